// Minyi desk pages (受理登记, 网格上报). Hand-written rather than htmx: three small behaviours
// (a fetch of an HTML fragment, fields shown per kind, the browser's geolocation) do not justify
// a library. The forms work without it; the server checks everything again.
document.addEventListener("DOMContentLoaded", function () {
  // --- earlier appeals as the phone number is typed --------------------------------------
  var phone = document.getElementById("desk-phone");
  var earlier = document.getElementById("earlier");
  var form = document.getElementById("intake-form");
  if (phone && earlier && form) {
    var timer = null;
    var asked = null;
    var complete = /^(1[3-9][0-9]{9}|0[0-9]{9,11})$/;
    var lookUp = function () {
      var digits = phone.value.replace(/[^0-9]/g, "").replace(/^86(?=1[3-9][0-9]{9}$)/, "");
      if (digits === asked || (!complete.test(digits) && asked === null)) return;
      asked = digits;
      var body = new FormData();
      body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      body.append("phone", complete.test(digits) ? digits : "");
      fetch(phone.getAttribute("data-earlier"), { method: "POST", body: body, credentials: "same-origin" })
        // A sign-in page (the session ended) or an error page is not a list: leave the box be.
        .then(function (r) { return r.ok && !r.redirected ? r.text() : Promise.reject(r.status); })
        .then(function (html) { if (asked === digits) earlier.innerHTML = html; })
        .catch(function () { asked = null; });
    };
    phone.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 250);
    });
  }

  // --- fields per kind (来访: number of visitors; 来信: the scan, required) ------------------
  var kinds = document.querySelectorAll("input[name=kind]");
  var show = function () {
    var chosen = document.querySelector("input[name=kind]:checked");
    var kind = chosen ? chosen.value : "";
    document.querySelectorAll("[data-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind") !== kind;
    });
    var scan = document.querySelector("#scan-field input[type=file]");
    if (scan) scan.required = kind === "letter";
  };
  kinds.forEach(function (k) { k.addEventListener("change", show); });
  if (kinds.length) show();

  // --- the phone's position, if the user allows it ----------------------------------------
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    var status = document.getElementById("locate-status");
    var take = function () {
      status.textContent = status.getAttribute("data-wait");
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
        status.textContent = status.getAttribute("data-ok") + "（±" + Math.round(pos.coords.accuracy) + "m）";
      }, function () {
        status.textContent = status.getAttribute("data-denied");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    };
    locate.hidden = false;
    locate.addEventListener("click", take);
    // Asked once already and allowed: take it at once, without a tap.
    if (navigator.permissions && !document.getElementById("lat").value) {
      navigator.permissions.query({ name: "geolocation" }).then(function (p) {
        if (p.state === "granted") take();
      }).catch(function () {});
    }
  }
});
