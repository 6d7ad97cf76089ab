-- Foundation. schema_migrations itself is created by `laurelctl migrate`.
-- app_info records facts about the schema that tools may check.

CREATE TABLE app_info (
	key	text PRIMARY KEY,
	value	text NOT NULL
);

INSERT INTO app_info (key, value) VALUES ('schema', 'laurel');
