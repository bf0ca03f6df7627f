// Minyi: the only script. The pages work without it; it narrows the community list to the
// chosen street so a phone user does not scroll through ninety communities.
document.addEventListener("DOMContentLoaded", function () {
  var street = document.getElementById("street");
  var community = document.getElementById("community");
  if (!street || !community) return;
  function narrow() {
    var groups = community.querySelectorAll("optgroup");
    groups.forEach(function (g) {
      var show = !street.value || g.getAttribute("data-street") === street.value;
      g.hidden = !show;
      g.disabled = !show;
    });
    var chosen = community.options[community.selectedIndex];
    if (chosen && chosen.parentElement.disabled) community.value = "";
  }
  street.addEventListener("change", narrow);
  narrow();
});

// The picker (templates/_macros.html `picker`): a search box over a plain <select>, matching
// names, pinyin initials and full pinyin (each option's data-keys, made by the server with
// pypinyin), every typed word anywhere in them, as org.rules.name_matches does. The <select>
// stays the form field, so the server reads the same thing with or without this script.
// Pickers of one form sharing data-exclusive (lead unit and co-units) never hold one unit twice:
// the lead is not offered as a co-unit, and a co-unit chosen as lead leaves the co-units.
document.addEventListener("DOMContentLoaded", function () {
  var MAX_SHOWN = 30;
  var pickers = [];

  function haystack(option) {
    var group = option.parentElement && option.parentElement.label ? option.parentElement.label : "";
    return (option.text + " " + (option.getAttribute("data-keys") || "") + " " + group).toLowerCase();
  }

  function enhance(box) {
    var select = box.querySelector("select");
    var label = box.querySelector("label");
    if (!select) return;
    var multiple = select.multiple;
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value; });
    var required = select.required;
    select.required = false;
    // Out of sight but not display:none: what sets the <select> directly (a password manager,
    // a test driving it) still changes the form, and the chips follow its change event.
    select.classList.add("picker-native");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.addEventListener("change", function () { render(); });

    var chips = document.createElement("div");
    chips.className = "picker-chips";
    var input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    input.id = select.id + "-q";
    input.placeholder = box.getAttribute("data-placeholder") || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", select.id + "-list");
    var list = document.createElement("ul");
    list.className = "picker-results";
    list.id = select.id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (label) label.htmlFor = input.id;
    box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);

    var shown = [];
    var active = -1;

    function takenElsewhere() {
      var group = box.getAttribute("data-exclusive");
      var taken = {};
      if (!group || !box.form) return taken;
      // The lead unit is not offered as a co-unit; a co-unit may be chosen as lead (it moves).
      pickers.forEach(function (p) {
        if (p.box !== box && !p.multiple && p.box.getAttribute("data-exclusive") === group && p.box.form === box.form) {
          p.chosen().forEach(function (o) { taken[o.value] = true; });
        }
      });
      return taken;
    }

    function chosen() {
      return options.filter(function (o) { return o.selected; });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function search() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var taken = takenElsewhere();
      shown = options.filter(function (o) {
        if (o.selected || taken[o.value]) return false;
        var text = haystack(o);
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      }).slice(0, MAX_SHOWN);
      list.innerHTML = "";
      if (!shown.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = box.getAttribute("data-empty") || "";
        list.appendChild(empty);
      }
      shown.forEach(function (o, i) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.id = select.id + "-opt-" + i;
        item.textContent = o.text;
        if (o.parentElement && o.parentElement.label) {
          var group = document.createElement("span");
          group.className = "muted small";
          group.textContent = " · " + o.parentElement.label;
          item.appendChild(group);
        }
        item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(o); });
        list.appendChild(item);
      });
      active = shown.length ? 0 : -1;
      mark();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) { li.classList.toggle("active", i === active); });
      if (active >= 0) input.setAttribute("aria-activedescendant", select.id + "-opt-" + active);
      else input.removeAttribute("aria-activedescendant");
    }

    function choose(option) {
      if (!multiple) options.forEach(function (o) { o.selected = false; });
      option.selected = true;
      input.value = "";
      input.setCustomValidity("");
      close();
      render();
      // The same unit leaves the other pickers of the group (a lead unit is not also a co-unit).
      var group = box.getAttribute("data-exclusive");
      pickers.forEach(function (p) {
        if (p.box !== box && group && p.box.getAttribute("data-exclusive") === group && p.box.form === box.form) p.drop(option.value);
      });
      select.dispatchEvent(new Event("change", { bubbles: true }));
      if (multiple) input.focus();
    }

    function drop(value) {
      options.forEach(function (o) { if (o.value === value) o.selected = false; });
      render();
    }

    function render() {
      chips.innerHTML = "";
      chosen().forEach(function (o) {
        var chip = document.createElement("span");
        chip.className = "chip";
        chip.textContent = o.text;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", (box.getAttribute("data-remove") || "") + " " + o.text);
        remove.addEventListener("click", function () { drop(o.value); input.focus(); });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    input.addEventListener("input", search);
    input.addEventListener("focus", search);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) search();
        active = Math.max(0, Math.min(shown.length - 1, active + (e.key === "ArrowDown" ? 1 : -1)));
        mark();
        e.preventDefault();
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0 && shown[active]) { choose(shown[active]); e.preventDefault(); }
        else if (input.value) e.preventDefault();
      } else if (e.key === "Escape") {
        close();
      }
    });
    if (required && box.form) {
      box.form.addEventListener("submit", function (e) {
        if (!chosen().length) {
          e.preventDefault();
          input.setCustomValidity(box.getAttribute("data-required") || input.placeholder);
          input.reportValidity();
        }
      });
    }
    render();
    pickers.push({ box: box, chosen: chosen, drop: drop, multiple: multiple });
  }

  document.querySelectorAll("[data-picker]").forEach(function (box) {
    box.form = box.closest("form");
    enhance(box);
  });
});

// The console's links: mark the page the reader is on and, on a phone where the links scroll
// sideways, bring it into view.
document.addEventListener("DOMContentLoaded", () => {
  const links = [...document.querySelectorAll("header.top nav a[href^='/']")];
  const here = window.location.pathname;
  const best = links
    .filter((a) => here === a.pathname || here.startsWith(a.pathname.replace(/\/?$/, "/")))
    .sort((a, b) => b.pathname.length - a.pathname.length)[0];
  if (!best) return;
  best.classList.add("active");
  best.setAttribute("aria-current", "page");
  const nav = best.closest("nav");
  if (nav && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = best.offsetLeft - (nav.clientWidth - best.offsetWidth) / 2;
  }
});
