// Live updates: /events sends the height after each commit; the page then fetches itself again and
// swaps in its main region, so what is shown is always one committed height. No framework, no build.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var main = document.getElementById("main");
  if (!main) return;
  var busy = false, wanted = 0;

  function shown() { return Number(main.getAttribute("data-height") || "0"); }

  function refresh() {
    if (busy) return;
    busy = true;
    main.classList.add("refreshing");
    fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, "text/html");
        var fresh = page.getElementById("main");
        if (fresh && Number(fresh.getAttribute("data-height") || "0") >= shown()) {
          main.innerHTML = fresh.innerHTML;
          main.setAttribute("data-height", fresh.getAttribute("data-height"));
          var live = document.getElementById("live-height");
          if (live) live.textContent = fresh.getAttribute("data-height");
        }
      })
      .catch(function () { /* the next commit tries again */ })
      .then(function () {
        busy = false;
        main.classList.remove("refreshing");
        if (wanted > shown()) refresh();
      });
  }

  var events = new EventSource("/events");
  events.addEventListener("height", function (event) {
    wanted = Number(event.data);
    if (wanted > shown()) refresh();
  });
})();
