/* Filtering a list as one types: an enhancement of the filter form, which works without
   JavaScript as a GET form. An input with data-filter-input="#id" hides, inside #id, the
   [data-filter-item] elements whose data-filter-text does not contain the text, and the
   [data-filter-group] sections left with no visible item. */
(function () {
  "use strict";
  document.querySelectorAll("[data-filter-input]").forEach(function (input) {
    var root = document.querySelector(input.getAttribute("data-filter-input"));
    if (!root) { return; }
    function apply() {
      var text = input.value.trim().toLowerCase();
      root.querySelectorAll("[data-filter-item]").forEach(function (item) {
        var haystack = (item.getAttribute("data-filter-text") || "").toLowerCase();
        item.hidden = text !== "" && haystack.indexOf(text) === -1;
      });
      Array.prototype.slice.call(root.querySelectorAll("[data-filter-group]")).reverse()
        .forEach(function (group) {
          group.hidden = !group.querySelector("[data-filter-item]:not([hidden])");
        });
    }
    input.addEventListener("input", apply);
  });
})();
