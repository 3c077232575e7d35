/* The reuse form's dataset picker, as an enhancement: typing in the search box lists the
   public datasets whose title matches (from /reuses/datasets.json); choosing one puts its short
   name in the first empty dataset row (a row is added when none is empty). Without
   JavaScript the form's own search button does the same in a round trip. */
(function () {
  "use strict";
  var box = document.getElementById("q");
  var rows = document.querySelector(".dataset-rows tbody");
  if (!box || !rows || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.className = "picker-suggestions";
  list.setAttribute("aria-live", "polite");
  box.parentNode.appendChild(list);
  var timer = null;

  function emptyRow() {
    var inputs = rows.querySelectorAll("input[name=dataset]");
    for (var i = 0; i < inputs.length; i++) { if (!inputs[i].value) { return inputs[i]; } }
    var copy = rows.lastElementChild.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    rows.appendChild(copy);
    return copy.querySelector("input[name=dataset]");
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (found) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = found.title + (found.department ? " · " + found.department : "");
      button.addEventListener("click", function () {
        emptyRow().value = found.slug;
        list.textContent = "";
        box.value = "";
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  box.addEventListener("input", function () {
    window.clearTimeout(timer);
    var q = box.value.trim();
    if (!q) { list.textContent = ""; return; }
    timer = window.setTimeout(function () {
      fetch(box.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q),
            { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { show(body.results || []); })
        .catch(function () { list.textContent = ""; });
    }, 250);
  });
})();
