// Autocomplete for the search boxes (GET /api/suggest?q=PREFIX -> {"suggestions": [...]}).
// Chinese is typed through an input method: while it composes (pinyin in the box, candidates in its own window)
// the box holds letters the reader has not chosen yet, so nothing is fetched until `compositionend`; input events
// with isComposing are ignored. Keyboard: ArrowDown/ArrowUp move through the list, Enter picks (fills the box
// and searches), Escape closes. The ARIA 1.2 combobox pattern: the focus stays in the box, the active option is
// named by aria-activedescendant. Without this file the boxes are plain search fields.
"use strict";

(function () {
  var DEBOUNCE_MS = 150;
  var counter = 0;

  function attach(input) {
    var form = input.form;
    if (!form) {
      return;
    }
    counter += 1;
    var listId = "suggest-list-" + counter;
    var wrap = document.createElement("div");
    wrap.className = "suggest-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "搜索建议");
    list.hidden = true;
    wrap.appendChild(list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var composing = false;
    var timer = null;
    var active = -1;
    var sequence = 0;
    var controller = null;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = options();
      active = index;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(value) {
      input.value = value;
      close();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function show(suggestions) {
      list.textContent = "";
      active = -1;
      if (!suggestions.length) {
        close();
        return;
      }
      suggestions.forEach(function (text, i) {
        var item = document.createElement("li");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = text;
        // mousedown, not click: the box keeps its focus, so blur does not close the list first.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(text);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
    }

    function fetchNow() {
      var prefix = input.value.trim();
      if (!prefix) {
        close();
        return;
      }
      sequence += 1;
      var mine = sequence;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch("/api/suggest?q=" + encodeURIComponent(prefix.slice(0, 50)), {
        signal: controller ? controller.signal : undefined,
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          // A late answer to an older prefix, or one that arrives during a new composition, is dropped.
          if (mine === sequence && !composing && input.value.trim() === prefix && document.activeElement === input) {
            show(body.suggestions || []);
          }
        })
        .catch(function () { /* aborted or offline: the box keeps working without suggestions */ });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchNow, DEBOUNCE_MS);
    }

    input.addEventListener("compositionstart", function () {
      composing = true;
      window.clearTimeout(timer);
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      schedule();
    });
    input.addEventListener("input", function (event) {
      if (event.isComposing || composing) {
        return;
      }
      schedule();
    });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing || composing) {
        return; // Enter and the arrows belong to the input method while it composes
      }
      var count = options().length;
      if (event.key === "ArrowDown") {
        if (list.hidden) {
          fetchNow();
        } else if (count) {
          highlight((active + 1) % count);
        }
        event.preventDefault();
      } else if (event.key === "ArrowUp" && !list.hidden && count) {
        highlight(active <= 0 ? count - 1 : active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        pick(options()[active].textContent);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      window.clearTimeout(timer);
      close();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[role=search] input[name=q]").forEach(attach);
  });
})();
