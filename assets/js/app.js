/* Progressive enhancement only: every page works without this file. */
(function () {
	"use strict";

	document.documentElement.classList.add("js");

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

	var els = document.querySelectorAll(".countdown[data-deadline]");
	if (els.length === 0)
		return;
	var all = function () {
		for (var i = 0; i < els.length; i++)
			tick(els[i]);
	};
	all();
	setInterval(all, 30000);
}());
