// 登记 (intake): ID numbers checked as they are typed, reuse of a known petitioner's stored phone
// and address, the audited reveal, and the error summary. The rules and the messages of the ID
// check are the server's (common/validators.py), handed over in <script id="id-check">.
// The dispatcher's 转送/交办 form (petition page): a suggested unit's button fills the unit field
// (issue 12); without JS the clerk types the code shown next to it.
document.addEventListener("click", function (ev) {
  "use strict";
  var b = ev.target.closest && ev.target.closest("[data-fill-unit]");
  if (!b || !b.form) return;
  ev.preventDefault();
  var input = b.form.elements.unit;
  if (input && input.tagName) {
    input.value = b.dataset.fillUnit;
    input.focus();
  }
});

(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  var config = document.getElementById("id-check");
  if (!form || !config) return;
  var rules = JSON.parse(config.textContent);
  var provinces = {};
  rules.provinces.forEach(function (p) { provinces[p] = true; });
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  function normalise(value) { return (value || "").trim().toUpperCase().replace(/ /g, ""); }

  function birthOk(v) {
    var y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
    var date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
    var iso = v.slice(6, 10) + "-" + v.slice(10, 12) + "-" + v.slice(12, 14);
    return iso >= rules.earliest && iso <= rules.today;
  }

  // The first problem of an ID number, as validators.id_number_problem; while the clerk is still
  // typing (`partial`), a short number is only judged on the digits already there.
  function problem(value, partial) {
    var v = normalise(value);
    if (!v) return "";
    if (!/^\d{0,17}[\dX]?$/.test(v)) return "chars";
    if (v.length > 18 || (v.length < 18 && !partial)) return "length";
    if (v.length >= 2 && !(provinces[v.slice(0, 2)] || v.charAt(0) === "9")) return "region";
    if (v.length >= 14 && !birthOk(v)) return "birth";
    if (v.length < 18) return "";
    var total = 0;
    for (var i = 0; i < 17; i++) total += (+v.charAt(i)) * WEIGHTS[i];
    return CHECK.charAt(total % 11) === v.charAt(17) ? "" : "check";
  }

  function message(key, value) {
    return rules.messages[key].replace("%(n)d", String(normalise(value).length));
  }

  function checkId(input, partial) {
    var slot = input.parentNode.querySelector("[data-live-for]");
    if (!slot) return;
    var key = problem(input.value, partial);
    // the server's message for this field no longer describes what is typed
    var served = form.querySelector('.row-error [data-for="' + input.name + '"]');
    if (served) served.hidden = true;
    slot.textContent = key ? message(key, input.value) : "";
    slot.hidden = !key;
    slot.dataset.problem = key;
    input.classList.toggle("invalid", !!key);
    input.setAttribute("aria-invalid", key ? "true" : "false");
  }

  form.addEventListener("input", function (ev) {
    if (ev.target.matches("input[data-id-check]")) checkId(ev.target, true);
  });
  form.addEventListener("change", function (ev) {
    if (ev.target.matches("input[data-id-check]")) checkId(ev.target, false);
  });
  form.addEventListener("focusout", function (ev) {
    if (ev.target.matches("input[data-id-check]")) checkId(ev.target, false);
  });

  // The look-up of each row also flags 复核终结 matters of the category typed: ask again when it changes.
  var category = form.elements.category;
  if (category) {
    category.addEventListener("change", function () {
      if (!window.htmx) return;
      form.querySelectorAll("#petitioner-rows tr.p-row").forEach(function (tr) {
        var input = tr.querySelector("input[name$='-id_number']");
        var phone = tr.querySelector("input[name$='-phone']");
        var target = (input && input.value.trim()) ? input : (phone && phone.value.trim() && !phone.readOnly ? phone : null);
        if (target) window.htmx.trigger(target, "change");
      });
    });
  }

  // 使用已登记的电话/地址: the fields show the masked values; the server stores the stored ones.
  function rowInputs(index) {
    return {
      reuse: form.elements["p-" + index + "-reuse"],
      phone: form.elements["p-" + index + "-phone"],
      address: form.elements["p-" + index + "-address"],
    };
  }

  function setReuse(index, petitioner, phone, address) {
    var f = rowInputs(index);
    if (!f.reuse) return;
    f.reuse.value = petitioner;
    [[f.phone, phone], [f.address, address]].forEach(function (pair) {
      var el = pair[0];
      if (!el) return;
      if (petitioner) {
        if (pair[1]) el.value = pair[1];
        el.readOnly = true;
        el.dataset.reused = "";
      } else if ("reused" in el.dataset) {
        el.value = "";
        el.readOnly = false;
        delete el.dataset.reused;
      }
    });
    var tr = f.reuse.closest("tr");
    tr.classList.toggle("reused", !!petitioner);
    var undo = tr.querySelector("[data-unreuse]");
    if (petitioner && !undo) {
      undo = document.createElement("button");
      undo.type = "button";
      undo.className = "link small";
      undo.dataset.unreuse = index;
      undo.textContent = form.dataset.unreuseLabel || "×";
      f.reuse.insertAdjacentElement("afterend", undo);
    } else if (!petitioner && undo) {
      undo.remove();
    }
  }

  // The audited reveal of the 信访人 page (a reason is required and logged), shown in the look-up.
  function reveal(button) {
    var box = button.closest(".reuse");
    var reason = box.querySelector("[data-reveal-reason]");
    var where = "#" + box.closest(".lk-slot").id + ' .reuse[data-petitioner="' + box.dataset.petitioner + '"]';
    var body = new FormData();
    body.append("reason", reason.value);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(button.dataset.revealUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "HX-Request": "true"},
    }).then(function (response) {
      return response.text().then(function (html) {
        // the look-up may have answered again meanwhile: show it in the panel on the page now
        var current = document.querySelector(where) || box;
        var slot = current.querySelector(".reveal-slot");
        reason = current.querySelector("[data-reveal-reason]");
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (response.ok) {
          var shown = doc.querySelector(".revealed");
          slot.replaceChildren(shown ? document.importNode(shown, true) : "");
        } else {
          var error = doc.querySelector(".field-error");
          var small = document.createElement("small");
          small.className = "field-error";
          small.setAttribute("role", "alert");
          small.textContent = error ? error.textContent : response.statusText;
          slot.replaceChildren(small);
          reason.focus();
        }
      });
    });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-reuse]");
    if (b) {
      setReuse(b.dataset.row, b.dataset.reuse, b.dataset.phone, b.dataset.address);
      return;
    }
    b = ev.target.closest("[data-unreuse]");
    if (b) {
      setReuse(b.dataset.unreuse, "", "", "");
      var phone = rowInputs(b.dataset.unreuse).phone;
      if (phone) phone.focus();
      return;
    }
    b = ev.target.closest("[data-reveal-url]");
    if (b) {
      reveal(b);
      return;
    }
    b = ev.target.closest(".error-summary [data-focus]");
    if (b) {
      ev.preventDefault();
      var target = form.elements[b.dataset.focus];
      if (target && target.length !== undefined && !target.tagName) target = target[0];
      if (!target) target = document.getElementById("f-" + b.dataset.focus);
      if (target && target.focus) target.focus();
    }
  });

  // 查重确认: registering as new needs a reason.
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "duplicate_choice" && ev.target.value === "new") {
      var reason = form.elements.duplicate_reason;
      if (reason) reason.focus();
    }
  });

  // A row kept after a refusal is checked at once.
  form.querySelectorAll("input[data-id-check]").forEach(function (input) {
    if (input.value.trim()) {
      var key = problem(input.value, false);
      var slot = input.parentNode.querySelector("[data-live-for]");
      var served = form.querySelector('.row-error [data-for="' + input.name + '"]');
      if (key && slot && !served) {
        slot.textContent = message(key, input.value);
        slot.hidden = false;
      }
    }
  });
  // 智能提示 (issue 12): the suggested category and the repeat candidates follow the typing; one click
  // takes a suggested category. Without JS the panel's buttons re-render the form instead.
  var panel = document.getElementById("insight-panel");
  if (panel) {
    var timer = null;
    var refresh = function () {
      var body = new FormData(form);
      body.delete("attachments");
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(panel.dataset.url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : "", "HX-Request": "true"},
      }).then(function (response) {
        if (!response.ok) return;
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          document.getElementById("insight-body").replaceChildren.apply(
            document.getElementById("insight-body"), Array.from(doc.body.childNodes).map(function (n) {
              return document.importNode(n, true);
            }));
          panel.dataset.ready = "1";
        });
      });
    };
    var watched = /^(title|content|problem_region|p-\d+-(id_number|phone|name))$/;
    form.addEventListener("input", function (ev) {
      if (!ev.target.name || !watched.test(ev.target.name)) return;
      panel.dataset.ready = "";
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
    panel.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-take-category]");
      if (b) {
        ev.preventDefault();
        var input = form.elements.category;
        input.value = b.dataset.takeCategory;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        return;
      }
      if (ev.target.closest("#insight-refresh")) {
        ev.preventDefault();
        refresh();
      }
    });
  }
})();
