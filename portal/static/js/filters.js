/* On a narrow screen the search filters start folded (a <details> above the results), unless
   one is chosen; without JavaScript they simply stay open. */
(function () {
  var filters = document.querySelector("details.filters");
  if (filters && window.matchMedia("(max-width: 800px)").matches
      && !filters.querySelector("a.chosen")) {
    filters.open = false;
  }
})();
