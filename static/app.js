// Sidecar dashboard: small progressive enhancements on top of htmx.
// Everything works without this file; it only makes timers tick and buttons copy.
(() => {
  "use strict";

  /** "27s", "4m 05s", "1h 02m": the same format the server renders. */
  function formatRemaining(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }

  // Countdowns: the server renders the remaining milliseconds at render time;
  // the deadline is fixed against this browser's clock on first sight, so a
  // skewed client clock does not matter.
  const deadlines = new WeakMap();
  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-remaining-ms]")) {
      if (!deadlines.has(el)) deadlines.set(el, now + Number(el.dataset.remainingMs));
      const left = deadlines.get(el) - now;
      el.textContent = left > 0 ? formatRemaining(left) : "ending…";
      el.classList.toggle("ended", left <= 0);
    }
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("DOMContentLoaded", tick);

  // Copy buttons: <button data-copy="#selector">.
  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (button) {
      const source = document.querySelector(button.dataset.copy);
      if (!source) return;
      const text = source.value ?? source.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        // No clipboard API (plain http off localhost): select it for Ctrl+C.
        if (source.select) source.select();
        button.textContent = "Press Ctrl+C";
      }
      return;
    }
    const dismiss = event.target instanceof Element ? event.target.closest("[data-dismiss]") : null;
    if (dismiss) dismiss.closest(".notice")?.remove();
  });

  // Success notices fade on their own; errors stay until dismissed.
  document.addEventListener("htmx:afterSettle", () => {
    for (const el of document.querySelectorAll(".notice.success:not([data-timed])")) {
      el.setAttribute("data-timed", "");
      setTimeout(() => el.remove(), 6000);
    }
  });

  // Editing a date on the usage page means a custom range. Capture phase, so
  // the select is set before htmx (listening on the form) reads the values.
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "datetime-local") return;
    const range = input.form?.querySelector('select[name="range"]');
    if (range) range.value = "custom";
  }, true);

  // A banner while the server does not answer (polling keeps trying).
  const offline = (on) => document.body.classList.toggle("offline", on);
  document.addEventListener("htmx:sendError", () => offline(true));
  document.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail && e.detail.xhr && e.detail.xhr.status > 0) offline(false);
  });
})();
