/* The console's region picker (server/console/region_choice.py): a township chosen narrows the list
   it names (data-narrows) to that township's places — a village <select> keeps only the township's
   group, a target tree shows only the township's branch, opened. No township: the village list is
   empty and disabled, the tree shows every township closed. Served by the city server itself. */
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
  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-narrows]").forEach(narrow);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-narrows]")) narrow(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
