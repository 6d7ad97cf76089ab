/* Progressive enhancement only: every page works without this file. */
(function () {
	"use strict";

	document.documentElement.classList.add("js");

	/* Each feature looks for its own elements and does nothing without
	 * them; one feature failing must not stop the others. */
	function run(feature) {
		try {
			feature();
		} catch (e) {
			if (window.console && console.error)
				console.error(e);
		}
	}

	/* A live countdown to a round's deadline (the server's text stays
	 * as it is without JavaScript). */
	function tick(el) {
		var left = Date.parse(el.getAttribute("data-deadline")) - Date.now();
		if (isNaN(left))
			return;
		if (left <= 0) {
			el.textContent = "The deadline has passed.";
			return;
		}
		var d = Math.floor(left / 86400000);
		var h = Math.floor(left / 3600000) % 24;
		var m = Math.floor(left / 60000) % 60;
		el.textContent = d + " days, " + h + " hours and " + m +
		    " minutes left";
	}

	function countdowns() {
		var els = document.querySelectorAll(".countdown[data-deadline]");
		if (els.length === 0)
			return;
		var all = function () {
			for (var i = 0; i < els.length; i++)
				tick(els[i]);
		};
		all();
		setInterval(all, 30000);
	}

	/*
	 * Counting as the server does (src/core/appform.c): words are runs
	 * of characters that are not white space, where white space is ASCII
	 * space, \t \n \v \f \r and U+0085, U+00A0, U+1680, U+2000-U+200A,
	 * U+2028, U+2029, U+202F, U+205F, U+3000 (not JavaScript's \s, which
	 * adds U+FEFF and lacks U+0085).  Characters are code points, after
	 * CRLF becomes LF.  A lone surrogate counts as one: the browser sends
	 * it as U+FFFD, one character and never a space.
	 */
	var WORD = /[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

	function countWords(s) {
		var m = s.match(WORD);
		return (m === null ? 0 : m.length);
	}

	function countChars(s) {
		return (Array.from(s.replace(/\r\n/g, "\n")).length);
	}

	/* "120 of 300 words"; "310 of 300 words — 10 over". */
	function limitText(n, limit, words) {
		var text = n + " of " + limit + (words ? " words" : " characters");
		if (n > limit)
			text += " \u2014 " + (n - limit) + " over";
		return (text);
	}

	function counters() {
		var els = document.querySelectorAll("[data-limit]");
		var i;

		var attach = function (field) {
			var limit = parseInt(field.getAttribute("data-limit"), 10);
			var words = field.getAttribute("data-limit-kind") === "words";
			var out = field.id ?
			    document.getElementById(field.id + "-limit") : null;
			if (out === null || !(limit > 0))
				return;
			var update = function () {
				var v = field.value;
				var n = words ? countWords(v) : countChars(v);
				var text = limitText(n, limit, words);
				if (out.textContent !== text)
					out.textContent = text;
				out.classList.toggle("field__limit--over", n > limit);
			};
			field.addEventListener("input", update);
			update();
		};
		for (i = 0; i < els.length; i++)
			attach(els[i]);
	}

	/*
	 * Autosave of the application form.  The contract with the server
	 * (POST to the form's action with action=autosave):
	 *   200 {"ok": true, "version": 8}          saved; the new version
	 *   409 {"ok": false, "conflict": true, …}  another tab saved: stop
	 *   409 {"ok": false, "message": "…"}       refused for good: stop
	 *   422 {"ok": false, "message": "…"}       refused: try again once
	 *                                           the text has changed
	 *   anything else                           try again at next tick
	 */
	var AUTOSAVE_EVERY = 20000;	/* ms between checks */
	var AUTOSAVE_TIMEOUT = 45000;	/* ms before a request counts as lost */
	var SUBMIT_WAIT = 10000;	/* ms a button waits for an autosave */
	var KEEPALIVE_MAX = 60000;	/* bytes; browsers allow 64 KiB */
	var MSG_FAILED = "Not saved: the connection failed; your text is " +
	    "still here. We will try again.";
	var MSG_EXPIRED = "Not saved: this page has expired or you have " +
	    "been signed out. Copy your text somewhere safe, then reload " +
	    "the page.";

	/* Fields that say who sends and from which version, not what. */
	var NOT_CONTENT = { csrf_token: 1, version: 1, action: 1 };

	/* The content of the form, to tell whether it changed.  Files never
	 * count: an autosave does not send them. */
	function serialise(fd) {
		var pairs = [];
		fd.forEach(function (value, name) {
			if (typeof value === "string" && !NOT_CONTENT[name])
				pairs.push([name, value]);
		});
		return (JSON.stringify(pairs));
	}

	/* What an autosave sends: every text field as the form has it, with
	 * action=autosave (no submitter, so no other action), no files. */
	function autosaveBody(fd) {
		var body = new FormData();
		fd.forEach(function (value, name) {
			if (typeof value === "string" && name !== "action")
				body.append(name, value);
		});
		body.append("action", "autosave");
		return (body);
	}

	/* An upper bound of the multipart body's size, in bytes. */
	function bodySize(fd) {
		var n = 0;
		fd.forEach(function (value, name) {
			var s = name + (typeof value === "string" ? value : "");
			/* At most 3 bytes a UTF-16 unit; LF goes out as CRLF. */
			n += 200 + 3 * s.length;
		});
		return (n);
	}

	var canKeepalive = typeof Request === "function" &&
	    "keepalive" in Request.prototype;

	function hhmm(d) {
		var pad = function (n) {
			return (n < 10 ? "0" + n : String(n));
		};
		return (pad(d.getHours()) + ":" + pad(d.getMinutes()));
	}

	function autosave() {
		var form = document.querySelector("form[data-autosave]");
		if (form === null || form.getAttribute("data-autosave") !== "on")
			return;
		/* Not form.action: the buttons named "action" shadow it. */
		var url = form.getAttribute("action") || location.href;
		var status = document.getElementById("autosave-status");
		var version = form.querySelector("input[name=\"version\"]");

		var saved = serialise(new FormData(form)); /* as the server has it */
		var refused = null;	/* content the server refused (422) */
		var savedText = "";	/* the last "Saved at" */
		var problem = false;	/* status shows a problem */
		var stopped = false;	/* no more autosaves on this page */
		var submitting = false;	/* a real submit is under way */
		var inflight = null;	/* { promise, data, keepalive } */
		var again = false;	/* save once the current one is done */
		var waiting = null;	/* the button waiting for inflight */
		var bypass = false;	/* this submit waited long enough */
		var timer;

		var show = function (text, isProblem) {
			problem = isProblem;
			if (status === null)
				return;
			if (status.textContent !== text)
				status.textContent = text;
			status.classList.toggle("autosave--problem", isProblem);
		};

		var stop = function () {
			stopped = true;
			clearInterval(timer);
		};

		var dirty = function (data) {
			return (data !== saved && data !== refused);
		};

		var finish = function (sent, res, json) {
			var v = json !== null ? json.version : undefined;
			if (res !== null && res.ok && json !== null &&
			    json.ok === true && /^[0-9]+$/.test(String(v))) {
				if (version !== null)
					version.value = String(v);
				saved = sent;
				refused = null;
				savedText = "Saved at " + hhmm(new Date());
				show(savedText, false);
				return;
			}
			var msg = json !== null && typeof json.message === "string" &&
			    json.message !== "" ? json.message : null;
			if (res !== null && res.status === 409 && json !== null &&
			    json.ok === false) {
				show(msg || "Not saved: this application was " +
				    "changed elsewhere. Reload the page.", true);
				stop();
			} else if (res !== null && res.status === 422 &&
			    json !== null && json.ok === false) {
				refused = sent;
				show(msg || "Not saved: check the form.", true);
			} else if (res !== null && (res.status === 401 ||
			    res.status === 403 || res.redirected)) {
				show(MSG_EXPIRED, true);
			} else {
				show(MSG_FAILED, true);
			}
		};

		/* One autosave at a time: each carries the version the one
		 * before it made. */
		var save = function () {
			var fd = new FormData(form);
			var sent = serialise(fd);
			var body = autosaveBody(fd);
			var opts = {
				method: "POST",
				body: body,
				credentials: "same-origin",
				headers: { "Accept": "application/json" }
			};
			/* keepalive: the request outlives the page if the page
			 * is closed meanwhile; its answer is still read if the
			 * page stays (unlike a beacon's). */
			var keep = canKeepalive && bodySize(body) < KEEPALIVE_MAX;
			if (keep)
				opts.keepalive = true;
			var ctl = typeof AbortController === "function" ?
			    new AbortController() : null;
			var lost;
			if (ctl !== null) {
				opts.signal = ctl.signal;
				lost = setTimeout(function () {
					ctl.abort();
				}, AUTOSAVE_TIMEOUT);
			}
			var p = fetch(url, opts).then(function (res) {
				return (res.json().then(function (json) {
					return ([res, json !== null &&
					    typeof json === "object" ? json : null]);
				}, function () {
					return ([res, null]);
				}));
			}).then(function (r) {
				finish(sent, r[0], r[1]);
			}, function () {
				finish(sent, null, null);
			}).then(function () {
				clearTimeout(lost);
				inflight = null;
				if (again && !stopped && !submitting &&
				    waiting === null) {
					again = false;
					if (dirty(serialise(new FormData(form))))
						save();
				}
			});
			inflight = { promise: p, data: sent, keepalive: keep };
		};

		var check = function () {
			if (stopped || submitting || inflight !== null ||
			    waiting !== null)
				return;
			if (dirty(serialise(new FormData(form))))
				save();
		};

		/* Leaving (another tab, another app, closing): save now. */
		var leave = function (ev) {
			if (stopped || submitting)
				return;
			if (ev.type === "visibilitychange" &&
			    document.visibilityState !== "hidden")
				return;
			var fd = new FormData(form);
			var data = serialise(fd);
			if (!dirty(data))
				return;
			if (ev.type === "pagehide" && !ev.persisted) {
				/* The page is going for good and no one will
				 * read an answer: a beacon is the surest way,
				 * unless a keepalive request already carries
				 * this very text. */
				if (inflight !== null && inflight.keepalive &&
				    inflight.data === data)
					return;
				if (navigator.sendBeacon)
					navigator.sendBeacon(url, autosaveBody(fd));
				return;
			}
			/* The page may come back (a tab switch; the
			 * back-forward cache): an answer must update the
			 * version, so a keepalive fetch rather than a beacon. */
			if (inflight === null)
				save();
			else if (inflight.data !== data)
				again = true;
		};

		var defaultButton = function () {
			for (var i = 0; i < form.elements.length; i++) {
				if (form.elements[i].type === "submit")
					return (form.elements[i]);
			}
			return (null);
		};

		var resubmit = function () {
			var b = waiting;
			waiting = null;
			bypass = true;
			if (b !== null && typeof form.requestSubmit === "function")
				form.requestSubmit(b);
			else if (b !== null)
				b.click();
			else if (typeof form.requestSubmit === "function")
				form.requestSubmit();
			else
				form.submit();
		};

		form.addEventListener("submit", function (ev) {
			var waited = bypass;
			bypass = false;
			if (ev.defaultPrevented)
				return;
			if (inflight !== null && !submitting && !waited) {
				/* Let the autosave finish first, so that the
				 * hidden version is the one it made. */
				ev.preventDefault();
				var first = waiting === null;
				waiting = ev.submitter || defaultButton();
				if (first) {
					var t = setTimeout(resubmit, SUBMIT_WAIT);
					inflight.promise.then(function () {
						clearTimeout(t);
						if (waiting !== null)
							resubmit();
					});
				}
				return;
			}
			/* The post carries the text from here on. */
			submitting = true;
			clearInterval(timer);
		});

		var typed = function () {
			if (stopped || submitting || problem)
				return;
			if (dirty(serialise(new FormData(form))))
				show("Unsaved changes", false);
			else
				show(savedText, false);
		};
		form.addEventListener("input", typed);
		form.addEventListener("change", typed);

		document.addEventListener("visibilitychange", leave);
		window.addEventListener("pagehide", leave);
		window.addEventListener("pageshow", function (ev) {
			/* Back to a page whose text was posted: the server
			 * has a newer version than this copy knows. */
			if (ev.persisted && submitting)
				location.reload();
		});

		timer = setInterval(check, AUTOSAVE_EVERY);
	}

	/* A form that is not autosaved (a submitted application: each save
	 * sends a new receipt, so it saves only when asked) warns before
	 * the page is left with changes nobody saved. */
	function confirmLeave() {
		var form = document.querySelector("form[data-confirm-leave]");
		if (form === null)
			return;
		var changed = false;
		var mark = function () {
			changed = true;
		};
		form.addEventListener("input", mark);
		form.addEventListener("change", mark);
		form.addEventListener("submit", function () {
			changed = false;
		});
		window.addEventListener("beforeunload", function (ev) {
			if (!changed)
				return;
			ev.preventDefault();
			ev.returnValue = "";
		});
	}

	run(countdowns);
	run(counters);
	run(autosave);
	run(confirmLeave);
}());
