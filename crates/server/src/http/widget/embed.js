// Linedesk: the client's web widget on any page, from one line:
//   <script src="https://SERVER/widget/embed.js" data-line="1" async></script>
// Optional: data-lang="ru" or "en" (default: the page's language, else Russian).
// A button in the corner opens the widget in a frame served by the line server; the server
// lets only the line's configured sites frame it. Nothing of the host page is read.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var line = script.getAttribute("data-line") || "";
  if (!/^[1-9][0-9]{0,15}$/.test(line)) {
    console.error("Linedesk widget: data-line must be the line's number, e.g. data-line=\"1\"");
    return;
  }
  var origin = new URL(script.src, location.href).origin;
  var asked = (script.getAttribute("data-lang") || document.documentElement.lang || "").slice(0, 2);
  var lang = asked === "en" ? "en" : "ru";
  var src = origin + "/widget/?line=" + line + "&lang=" + lang + "&embedded=1";
  var labels = { ru: ["Чат с поддержкой", "Закрыть чат"], en: ["Chat with support", "Close the chat"] };

  function start() {
    var button = document.createElement("button");
    var frame = null;
    var open = false;
    button.type = "button";
    button.setAttribute("data-linedesk-button", line);
    button.setAttribute("aria-expanded", "false");
    button.textContent = labels[lang][0];
    var b = button.style;
    b.position = "fixed"; b.right = "20px"; b.bottom = "20px"; b.zIndex = "2147483646";
    b.padding = "12px 18px"; b.border = "0"; b.borderRadius = "24px"; b.cursor = "pointer";
    b.background = "#2457c5"; b.color = "#fff"; b.font = "15px system-ui, sans-serif";
    b.boxShadow = "0 4px 14px rgba(0,0,0,.25)";

    function toggle(show) {
      open = show;
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.src = src;
        frame.title = labels[lang][0];
        frame.setAttribute("data-linedesk-widget", line);
        frame.allow = "microphone; autoplay";
        var f = frame.style;
        f.position = "fixed"; f.right = "20px"; f.bottom = "76px"; f.zIndex = "2147483647";
        f.width = "min(380px, calc(100vw - 40px))"; f.height = "min(600px, calc(100vh - 110px))";
        f.border = "0"; f.borderRadius = "12px"; f.background = "#fff";
        f.boxShadow = "0 8px 30px rgba(0,0,0,.3)";
        document.body.appendChild(frame);
      }
      if (frame) frame.style.display = open ? "block" : "none";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = labels[lang][open ? 1 : 0];
    }

    button.addEventListener("click", function () { toggle(!open); });
    // The widget's own close button asks through postMessage; only that frame is listened to.
    window.addEventListener("message", function (event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
      if (event.data && event.data.linedesk === "close") toggle(false);
    });
    document.body.appendChild(button);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
