/* The time control (exports/timeline.py): a span of months over the look-back, and each pair's tie in that span:
   the months' own ties added up (each month weighed by the same evidence code as a pack of that month). */
(function () {
  "use strict";
  var PM = window.PM = window.PM || {};

  /** A pair's tie over months ``from`` to ``to`` (both included), or null when it has none there. Its evidence
      is said month by month ("Jan 2023: 1 shared place"): the same place or associate in two months is one
      thing said twice, so counts are never added across months. */
  function tieIn(time, records, from, to) {
    var weight = 0, type = 9, unverified = true, months = [], said = [];
    records.forEach(function (r) {
      if (r[0] < from || r[0] > to) { return; }
      weight += r[1];
      type = Math.min(type, r[2]);
      unverified = unverified && r[3] === 1;
      months.push(r[0]);
      said.push(time.months[r[0]] + ": " + r[4].map(function (kc) {
        return kc[1] + " " + (kc[1] === 1 ? time.kinds_one[kc[0]] : time.kinds[kc[0]]);
      }).join(", "));
    });
    if (!months.length) { return null; }
    weight = Math.round(weight * 1000) / 1000;
    var tieType = ["risk", "safety", "context"][Math.min(type, 2)];
    var strength = tieType !== "risk" ? 3 : (weight >= time.strong ? 0 : (weight >= time.moderate ? 1 : (weight > 0 ? 2 : 3)));
    return {weight: weight, tieType: tieType, unverified: unverified, said: said,
            strength: time.strengths[strength]};
  }

  /** The control in #time-control: two sliders (first and last month), the months they stand at, and two
      buttons (the period; the whole look-back). ``changed`` is called after every move. */
  PM.TimeControl = function (time, changed) {
    var self = this, last = time.months.length - 1;
    var from = document.getElementById("time-from"), to = document.getElementById("time-to");
    var fromText = document.getElementById("time-from-date"), toText = document.getElementById("time-to-date");
    self.time = time;
    self.period = true;  // the pack's period: the analysis's own ties
    var home = time.period_months || [last, last];
    self.from = home[0];
    self.to = home[1];
    [from, to].forEach(function (input) { input.min = 0; input.max = last; input.step = 1; });
    function show() {
      from.value = self.from;
      to.value = self.to;
      fromText.textContent = time.months[self.from];
      toText.textContent = time.months[self.to];
      from.setAttribute("aria-valuetext", time.months[self.from]);
      to.setAttribute("aria-valuetext", time.months[self.to]);
      document.getElementById("time-shown").textContent = self.words();
    }
    // a drag sends many moves: the page is redrawn once a frame, for the last of them
    var pending = false;
    function redraw() {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; changed(); });
    }
    /** Show months ``a`` to ``b``, added up. A period of one month is its own month (the same ties, weighed the
        same way); a longer period (a quarter, a year) is weighed across its months' edges by its own analysis,
        so only the period's button shows that. */
    self.set = function (a, b) {
      self.from = Math.max(0, Math.min(a, last));
      self.to = Math.max(self.from, Math.min(b, last));
      var pm = time.period_months;
      self.period = pm !== null && pm[0] === pm[1] && self.from === pm[0] && self.to === pm[1];
      show();
      redraw();
    };
    /** Back to the pack's period (for a week: its own ties, whichever month the sliders show). */
    self.setPeriod = function (now) {
      self.from = home[0];
      self.to = home[1];
      self.period = true;
      show();
      if (now === true) { changed(); } else { redraw(); }  // at once when a caller goes on from the period
    };
    from.addEventListener("input", function () { self.set(Number(from.value), Math.max(self.to, Number(from.value))); });
    to.addEventListener("input", function () { self.set(Math.min(self.from, Number(to.value)), Number(to.value)); });
    document.getElementById("time-period").addEventListener("click", self.setPeriod);
    document.getElementById("time-all").addEventListener("click", function () { self.set(0, last); });
    show();
  };
  PM.TimeControl.prototype.isPeriod = function () { return this.period; };
  PM.TimeControl.prototype.key = function (a, b) { return a < b ? a + this.time.separator + b : b + this.time.separator + a; };
  PM.TimeControl.prototype.tie = function (a, b) {
    var records = this.time.pairs[this.key(a, b)];
    return records ? tieIn(this.time, records, this.from, this.to) : null;
  };
  PM.TimeControl.prototype.hasRecords = function (a, b) { return this.time.pairs[this.key(a, b)] !== undefined; };
  /** The span in words: the period's label, one month, or "Jan 2023 to Mar 2023". */
  PM.TimeControl.prototype.words = function () {
    if (this.period) { return this.time.period_label; }
    var m = this.time.months;
    return this.from === this.to ? m[this.from] : this.time.starts[this.from] + " to " + this.time.ends[this.to];
  };
}());
