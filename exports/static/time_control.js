/* The time control (exports/timeline.py): a span of months over the look-back, and each pair's tie in that span:
   the months' own ties added up (each month weighed by the same evidence code as a pack of that month). */
(function () {
  "use strict";
  var PM = window.PM = window.PM || {};

  /** A pair's tie over months ``from`` to ``to`` (both included), or null when it has none there. */
  function tieIn(time, records, from, to) {
    var weight = 0, type = 9, unverified = true, months = [], counts = {};
    records.forEach(function (r) {
      if (r[0] < from || r[0] > to) { return; }
      weight += r[1];
      type = Math.min(type, r[2]);
      unverified = unverified && r[3] === 1;
      months.push(r[0]);
      r[4].forEach(function (kc) { counts[kc[0]] = (counts[kc[0]] || 0) + kc[1]; });
    });
    if (!months.length) { return null; }
    weight = Math.round(weight * 1000) / 1000;
    var tieType = ["risk", "safety", "context"][Math.min(type, 2)];
    var strength = tieType !== "risk" ? 3 : (weight >= time.strong ? 0 : (weight >= time.moderate ? 1 : (weight > 0 ? 2 : 3)));
    var kinds = Object.keys(counts).map(Number).sort(function (a, b) { return a - b; }).map(function (k) {
      return counts[k] + " " + (counts[k] === 1 ? time.kinds_one[k] : time.kinds[k]);
    });
    return {weight: weight, tieType: tieType, unverified: unverified, months: months, kinds: kinds,
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
    /** Show months ``a`` to ``b``; the period's own months are the period. */
    self.set = function (a, b) {
      self.from = Math.max(0, Math.min(a, last));
      self.to = Math.max(self.from, Math.min(b, last));
      self.period = time.period_months !== null && self.from === time.period_months[0] && self.to === time.period_months[1];
      show();
      changed();
    };
    /** Back to the pack's period (for a week: its own ties, whichever month the sliders show). */
    self.setPeriod = function () {
      self.from = home[0];
      self.to = home[1];
      self.period = true;
      show();
      changed();
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
  PM.TimeControl.prototype.monthWords = function (months) {
    var m = this.time.months;
    return months.map(function (i) { return m[i]; }).join(", ");
  };
}());
