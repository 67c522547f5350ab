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
  /* What a search box searches: a picker's village options, or a target tree's village and grid
     boxes (data-finds-tree); each {code, name, town, initials, el}. */
  function candidates(input) {
    var found = [];
    var tree = document.getElementById(input.getAttribute("data-finds-tree") || "");
    if (tree) {
      tree.querySelectorAll("input[data-name]").forEach(function (box) {
        found.push({code: box.value.replace(/^rg-/, ""), name: box.getAttribute("data-name"), el: box,
                    town: box.getAttribute("data-town"), initials: box.getAttribute("data-initials") || ""});
      });
      return found;
    }
    var select = document.getElementById(input.getAttribute("data-finds") + "-village");
    if (!select) return found;
    groupsOf(select).forEach(function (group) {
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        found.push({code: option.value, name: option.getAttribute("data-name") || option.textContent, el: option,
                    town: group.getAttribute("label"), initials: option.getAttribute("data-initials") || ""});
      });
    });
    return found;
  }
  function matches(input) {
    var typed = input.value.trim().toLowerCase();
    if (!typed) return [];
    return candidates(input).filter(function (c) {
      return c.name.toLowerCase().indexOf(typed) >= 0 || c.initials.indexOf(typed) === 0;
    });
  }
  function listOf(input) { return document.getElementById(input.id.replace(/-find$/, "") + "-found"); }
  function find(input) {
    var list = listOf(input);
    if (!list) return;
    list.textContent = "";
    if (!input.value.trim()) return;
    var found = matches(input);
    var item;
    found.slice(0, SHOWN).forEach(function (c, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "plain found-place";
      button.setAttribute("data-index", i);
      button.textContent = c.name;
      var town = document.createElement("span");
      town.className = "muted";
      town.textContent = " " + c.town;
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
  function pick(input, c) {
    var town = document.getElementById(input.getAttribute("data-township-select") ||
                                       input.getAttribute("data-finds") + "-township");
    if (town) {
      town.value = c.code.slice(0, 9);
      narrow(town);
    }
    listOf(input).textContent = "";
    if (c.el.tagName === "OPTION") {
      c.el.parentNode.parentNode.value = c.code;
      input.value = c.name;
      c.el.parentNode.parentNode.focus();
      return;
    }
    /* a target tree: the village's (or grid's) box is shown and ticked, the summary above says so */
    for (var node = c.el.parentNode; node && node.id !== input.getAttribute("data-finds-tree"); node = node.parentNode) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (!c.el.checked) c.el.click();
    input.value = "";
    c.el.focus();
  }
  function init(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("select[data-narrows]").forEach(narrow);
    scope.querySelectorAll("[data-tree]").forEach(summarise);
    scope.querySelectorAll("input[data-finds], input[data-finds-tree]").forEach(function (input) {
      input.closest(".region-find").hidden = false;  // a search box only where the script runs
    });
  }
  var FINDS = "input[data-finds], input[data-finds-tree]";
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(FINDS)) find(event.target);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".found-place");
    if (!button) return;
    var input = document.getElementById(button.closest("ul").id.replace(/-found$/, "-find"));
    pick(input, matches(input)[Number(button.getAttribute("data-index"))]);
  });
  document.addEventListener("keydown", function (event) {
    /* Enter in the search box picks the first place found, and never sends the form half-chosen */
    if (event.key !== "Enter" || !(event.target.matches && event.target.matches(FINDS))) return;
    event.preventDefault();
    var first = matches(event.target)[0];
    if (first) pick(event.target, first);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-narrows]")) narrow(event.target);
    if (event.target.type === "checkbox") document.querySelectorAll("[data-tree]").forEach(summarise);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
