/* The console's region picker (server/console/region_choice.py): a township chosen narrows the list
   it names (data-narrows) to that township's places — a village <select> keeps only the township's
   group, a target tree shows only the township's branch, opened. No township: the village list is
   empty and disabled, the tree shows every township closed. A target tree's ticks are summed up
   above it (data-tree). A picker's search box (data-finds) lists the villages whose name holds what
   is typed, or whose pinyin initials (data-initials) start with it, each with its township;
   choosing one sets the township and the village. Served by the city server itself. */
(function () {
  "use strict";
  function narrow(chooser) {
    var box = document.getElementById(chooser.getAttribute("data-narrows"));
    if (!box) return;
    var town = chooser.value;
    if (box.tagName === "SELECT") {
      var kept = false;
      groupsOf(box).forEach(function (group) {
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
  var SHOWN = 20;
  function groupsOf(box) {
    if (!box.tdGroups) box.tdGroups = Array.prototype.slice.call(box.querySelectorAll("optgroup"));
    return box.tdGroups;
  }
  function matches(input) {
    var box = document.getElementById(input.getAttribute("data-finds") + "-village");
    var typed = input.value.trim().toLowerCase();
    var found = [];
    if (!box || !typed) return found;
    groupsOf(box).forEach(function (group) {
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var name = option.getAttribute("data-name") || option.textContent;
        if (name.toLowerCase().indexOf(typed) >= 0 ||
            (option.getAttribute("data-initials") || "").indexOf(typed) === 0) found.push([group, option]);
      });
    });
    return found;
  }
  function find(input) {
    var list = document.getElementById(input.getAttribute("data-finds") + "-found");
    if (!list) return;
    list.textContent = "";
    var found = matches(input);
    var item;
    if (!input.value.trim()) return;
    found.slice(0, SHOWN).forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "plain found-place";
      button.setAttribute("data-code", pair[1].value);
      button.textContent = pair[1].getAttribute("data-name") || pair[1].textContent;
      var town = document.createElement("span");
      town.className = "muted";
      town.textContent = " " + pair[0].getAttribute("label");
      button.appendChild(town);
      item = document.createElement("li");
      item.appendChild(button);
      list.appendChild(item);
    });
    if (!found.length || found.length > SHOWN) {
      item = document.createElement("li");
      item.className = found.length ? "muted" : "error";
      item.textContent = found.length ? input.getAttribute("data-more").replace("{n}", found.length - SHOWN)
        : input.getAttribute("data-none").replace("{q}", input.value.trim());
      list.appendChild(item);
    }
  }
  function pick(input, code, name) {
    var id = input.getAttribute("data-finds");
    var town = document.getElementById(id + "-township"), box = document.getElementById(id + "-village");
    town.value = code.slice(0, 9);
    narrow(town);
    box.value = code;
    input.value = name;
    document.getElementById(id + "-found").textContent = "";
    box.focus();
  }
  function init(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("select[data-narrows]").forEach(narrow);
    scope.querySelectorAll("[data-tree]").forEach(summarise);
    scope.querySelectorAll("input[data-finds]").forEach(function (input) {
      input.closest(".region-find").hidden = false;  // a search box only where the script runs
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-finds]")) find(event.target);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".found-place");
    if (!button) return;
    var input = document.querySelector("input[data-finds='" + button.closest("ul").id.replace(/-found$/, "") + "']");
    pick(input, button.getAttribute("data-code"), button.firstChild.textContent);
  });
  document.addEventListener("keydown", function (event) {
    /* Enter in the search box picks the first village found, and never sends the form half-chosen */
    if (event.key !== "Enter" || !(event.target.matches && event.target.matches("input[data-finds]"))) return;
    event.preventDefault();
    var first = matches(event.target)[0];
    if (first) pick(event.target, first[1].value, first[1].getAttribute("data-name") || first[1].textContent);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-narrows]")) narrow(event.target);
    if (event.target.type === "checkbox") document.querySelectorAll("[data-tree]").forEach(summarise);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
