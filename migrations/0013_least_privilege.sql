-- The app's role holds no right on any table or sequence: it calls the
-- functions of sql/, which run as their owner (SECURITY DEFINER) and
-- check their caller. Before this, laurel_app could UPDATE users (its own
-- is_admin too) and INSERT audit rows by hand.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM laurel_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM laurel_app;

-- `laurelctl mail` may run as the app's role (it reads no secret but the
-- messages themselves): it claims, marks and blanks outbox rows.
GRANT SELECT, UPDATE ON outbox TO laurel_app;
