/* The console's region picker (server/console/region_choice.py): a township chosen narrows the list
   it names (data-narrows) to that township's places — a village <select> keeps only the township's
   group, a target tree shows only the township's branch, opened. No township: the village list is
   empty and disabled, the tree shows every township closed. A target tree's ticks are summed up
   above it (data-tree). Served by the city server itself. */
(function () {
  "use strict";
  function narrow(chooser) {
    var box = document.getElementById(chooser.getAttribute("data-narrows"));
    if (!box) return;
    var town = chooser.value;
    if (box.tagName === "SELECT") {
      if (!box.tdGroups) box.tdGroups = Array.prototype.slice.call(box.querySelectorAll("optgroup"));
      var kept = false;
      box.tdGroups.forEach(function (group) {
        var mine = town.length === 9 && group.getAttribute("data-township") === town;
        if (mine && !group.parentNode) box.appendChild(group);
        if (!mine && group.parentNode) group.parentNode.removeChild(group);
        kept = kept || mine;
      });
      if (!box.selectedOptions.length || !box.selectedOptions[0].parentNode) box.value = "";
      box.disabled = !kept;
      return;
    }
    box.querySelectorAll("[data-township]").forEach(function (branch) {
      var mine = branch.getAttribute("data-township").indexOf(town) === 0;
      branch.hidden = !!town && !mine;
      if (town.length === 9 && mine && branch.tagName === "DETAILS") branch.open = true;
    });
  }
  /* What is ticked in a target tree, townships included, said above it: a narrowed tree hides the
     ticks of the other townships, and they are sent all the same. */
  function summarise(summary) {
    var tree = document.getElementById(summary.getAttribute("data-tree"));
    if (!tree) return;
    var ticked = Array.prototype.filter.call(tree.querySelectorAll("input[type=checkbox]"), function (box) {
      return box.checked;
    }).map(function (box) { return box.getAttribute("data-label") || box.value; });
    summary.textContent = ticked.length
      ? summary.getAttribute("data-some").replace("{n}", ticked.length) + ticked.join("、")
      : summary.getAttribute("data-none");
  }
  function init(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("select[data-narrows]").forEach(narrow);
    scope.querySelectorAll("[data-tree]").forEach(summarise);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-narrows]")) narrow(event.target);
    if (event.target.type === "checkbox") document.querySelectorAll("[data-tree]").forEach(summarise);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
