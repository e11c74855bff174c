/*
 * Conditions in the page: the JavaScript twin of forms_engine/expressions.py (evaluate, truthy, _compare,
 * _arithmetic, _call) and of the cleaners in forms_engine/fields.py, so that a field shows, hides, becomes required
 * or is computed exactly as the server will decide. Progressive enhancement only: without this script every field
 * is shown and the server decides; with it, the server still decides.
 *
 * Markup read (forms_engine/templates/forms_engine/fields/): wrappers with data-name, data-key, data-type,
 * data-required, data-relevant, data-required-if, data-calculation (JSON trees); repeat rows with data-group and
 * data-row. An optional <script type="application/json" data-fe-schema> in the form gives per-field limits
 * (min, max, min_length, max_length, pattern, choices) so answers are cleaned as the server cleans them.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.JunxiuConditions = api;
    if (typeof document !== "undefined") {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { api.attachAll(document); });
      } else {
        api.attachAll(document);
      }
    }
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var MAX_LENGTH = 2000;
  // str.isspace() in Python: what strip() and split() remove.
  var SPACE_CHARS = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
  var SPACE_CLASS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var WORD_CLASS = "\\p{L}\\p{N}_";
  var DIGIT_RE = /\p{Nd}/u;

  function isSpace(ch) { return SPACE_CHARS.indexOf(ch) >= 0; }

  function pyStrip(s) {
    var start = 0, end = s.length;
    while (start < end && isSpace(s.charAt(start))) start++;
    while (end > start && isSpace(s.charAt(end - 1))) end--;
    return s.slice(start, end);
  }

  function pySplit(s) {
    var parts = [], current = "";
    for (var i = 0; i < s.length; i++) {
      var ch = s.charAt(i);
      if (isSpace(ch)) {
        if (current) parts.push(current);
        current = "";
      } else {
        current += ch;
      }
    }
    if (current) parts.push(current);
    return parts;
  }

  function codePoints(s) { return Array.from(s); }

  // Any Unicode decimal digit to ASCII, as int() and Decimal() accept them (runs of Nd come in tens from 0).
  function asciiDigits(s) {
    var out = "";
    codePoints(s).forEach(function (ch) {
      if (ch >= "0" && ch <= "9" || !DIGIT_RE.test(ch)) {
        out += ch;
        return;
      }
      var cp = ch.codePointAt(0), start = cp;
      while (DIGIT_RE.test(String.fromCodePoint(start - 1))) start--;
      out += String((cp - start) % 10);
    });
    return out;
  }

  // Python compares strings by code point; JavaScript by UTF-16 unit.
  function compareText(a, b) {
    if (a === b) return 0;
    var x = codePoints(a), y = codePoints(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var p = x[i].codePointAt(0), q = y[i].codePointAt(0);
      if (p !== q) return p < q ? -1 : 1;
    }
    return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
  }

  var DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
  var SPECIAL = /^([+-]?)(inf|infinity|s?nan\d*)$/i;

  // Decimal(text) as Python reads it (underscores dropped, any decimal digits): null when it is not a number.
  function decimalParse(text) {
    var s = asciiDigits(text.replace(/_/g, ""));
    if (DECIMAL.test(s)) return { special: null, text: s };
    var m = SPECIAL.exec(s);
    if (m) return { special: m[2].toLowerCase().indexOf("nan") >= 0 ? "nan" : m[1] + "inf", text: s };
    return null;
  }

  // Like the server's _number: infinities and NaN count as no number at all.
  function pyNumber(value) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return isFinite(value) ? value : null;
    if (typeof value === "string") {
      var s = pyStrip(value);
      if (!s) return null;
      var parsed = decimalParse(s);
      if (parsed === null || parsed.special) return null;
      var number = Number(parsed.text);
      return isFinite(number) ? number : null;
    }
    return null;
  }

  function truthy(value) {
    if (value === null || value === undefined) return false;
    if (typeof value === "boolean") return value;
    if (typeof value === "number") return value !== 0 && !isNaN(value);
    if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
    return true;
  }

  // str() of a Python float that is not whole: repr's shortest digits, fixed for -4 <= exponent < 16.
  function floatRepr(x) {
    var parts = x.toExponential().split("e");
    var sign = parts[0].charAt(0) === "-" ? "-" : "";
    var digits = parts[0].replace("-", "").replace(".", "");
    var exp = parseInt(parts[1], 10);
    if (exp < -4 || exp >= 16) {
      var mantissa = digits.length > 1 ? digits.charAt(0) + "." + digits.slice(1) : digits;
      var e = Math.abs(exp);
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" + e : String(e));
    }
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length) + ".0";
    return sign + digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  }

  function numberText(x) {
    if (isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (Number.isInteger(x)) return typeof BigInt === "function" ? BigInt(x).toString() : String(x);
    return floatRepr(x);
  }

  function text(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return numberText(value);
    if (Array.isArray(value)) return value.map(text).join(" ");
    if (typeof value === "object") return value.name !== undefined ? String(value.name) : "";
    return String(value);
  }

  function compare(op, left, right) {
    if (typeof left === "boolean" || typeof right === "boolean") {
      left = truthy(left);
      right = truthy(right);
    }
    var a = pyNumber(left), b = pyNumber(right), c;
    if (a === null || b === null) {
      c = compareText(text(left), text(right));
      return { "=": c === 0, "!=": c !== 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[op];
    }
    return { "=": a === b, "!=": a !== b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b }[op];
  }

  function arithmetic(op, left, right) {
    var a = pyNumber(left), b = pyNumber(right);
    if (a === null || b === null) return null;
    if ((op === "div" || op === "mod") && b === 0) return null;
    var result;
    if (op === "+") result = a + b;
    else if (op === "-") result = a - b;
    else if (op === "*") result = a * b;
    else if (op === "div") result = a / b;
    else result = a % b; // math.fmod: the sign of the dividend, as JavaScript's %
    return isFinite(result) ? result : null;
  }

  // Python's round(x, digits) for a float: exact, half to even.
  function pyRound(x, digits) {
    if (!isFinite(x) || x === 0) return x;
    if (digits > 323) return x;
    if (digits < -308) return 0 * x;
    if (typeof BigInt !== "function") {
      var f = Math.pow(10, digits);
      return Math.round(x * f) / f;
    }
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(x));
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var biased = (hi >>> 20) & 0x7ff;
    var m = BigInt(hi & 0xfffff) * BigInt(4294967296) + BigInt(lo);
    var e = biased === 0 ? -1074 : biased - 1075;
    if (biased !== 0) m += BigInt(2) ** BigInt(52);
    var num = m, den = BigInt(1), ten = BigInt(10) ** BigInt(Math.abs(digits));
    if (digits >= 0) num *= ten; else den *= ten;
    if (e >= 0) num *= BigInt(2) ** BigInt(e); else den *= BigInt(2) ** BigInt(-e);
    var q = num / den, r2 = (num % den) * BigInt(2);
    if (r2 > den || (r2 === den && q % BigInt(2) === BigInt(1))) q += BigInt(1);
    var result = Number(q.toString() + "e" + -digits);
    return x < 0 ? -result : result;
  }

  // ---------------------------------------------------------------- regular expressions (Python re → RegExp)

  function hexEscape(cp) { return "\\u{" + cp.toString(16) + "}"; }

  // Translate a Python pattern to a JavaScript one with the "u" flag; throws on what cannot be translated.
  function translatePattern(pattern) {
    var chars = codePoints(pattern), out = "", flags = "u", i = 0, inClass = false, classStart = false;
    var lead = /^\(\?([aiLmsux]+)\)/.exec(pattern);
    if (lead) {
      if (/[aLux]/.test(lead[1])) throw new Error("unsupported flag");
      if (lead[1].indexOf("i") >= 0) flags += "i";
      if (lead[1].indexOf("m") >= 0) flags += "m";
      if (lead[1].indexOf("s") >= 0) flags += "s";
      i = codePoints(lead[0]).length;
    }
    var dotAll = flags.indexOf("s") >= 0, multi = flags.indexOf("m") >= 0;
    for (; i < chars.length; i++) {
      var ch = chars[i];
      if (ch === "\\") {
        var next = chars[++i];
        if (next === undefined) throw new Error("trailing backslash");
        if (next === "d") out += inClass ? "\\p{Nd}" : "\\p{Nd}";
        else if (next === "D") out += inClass ? "\\P{Nd}" : "\\P{Nd}";
        else if (next === "w") out += inClass ? WORD_CLASS : "[" + WORD_CLASS + "]";
        else if (next === "W") {
          if (inClass) throw new Error("\\W in a class");
          out += "[^" + WORD_CLASS + "]";
        } else if (next === "s") out += inClass ? SPACE_CLASS : "[" + SPACE_CLASS + "]";
        else if (next === "S") {
          if (inClass) throw new Error("\\S in a class");
          out += "[^" + SPACE_CLASS + "]";
        } else if (next === "b" && !inClass) {
          out += "(?:(?<=[" + WORD_CLASS + "])(?![" + WORD_CLASS + "])|(?<![" + WORD_CLASS + "])(?=[" + WORD_CLASS + "]))";
        } else if (next === "B" && !inClass) {
          out += "(?:(?<=[" + WORD_CLASS + "])(?=[" + WORD_CLASS + "])|(?<![" + WORD_CLASS + "])(?![" + WORD_CLASS + "]))";
        } else if (next === "A" && !inClass) out += "(?<![\\s\\S])";
        else if (next === "Z" && !inClass) out += "(?![\\s\\S])";
        else if (/[nrtfv]/.test(next)) out += "\\" + next;
        else if (next === "a") out += "\\x07";
        else if (next === "b") out += "\\x08";
        else if (next === "x") {
          var hex = chars.slice(i + 1, i + 3).join("");
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error("bad \\x");
          out += "\\x" + hex;
          i += 2;
        } else if (next === "u" || next === "U") {
          var n = next === "u" ? 4 : 8, code = chars.slice(i + 1, i + 1 + n).join("");
          if (!new RegExp("^[0-9a-fA-F]{" + n + "}$").test(code)) throw new Error("bad \\u");
          out += hexEscape(parseInt(code, 16));
          i += n;
        } else if (next === "0") {
          var oct = "0";
          while (oct.length < 3 && /[0-7]/.test(chars[i + 1] || "")) oct += chars[++i];
          out += hexEscape(parseInt(oct, 8));
        } else if (/[1-9]/.test(next)) {
          if (inClass) throw new Error("octal in a class");
          var ref = next;
          if (/[0-9]/.test(chars[i + 1] || "")) ref += chars[++i];
          out += "\\" + ref;
        } else if (/[A-Za-z0-9]/.test(next)) {
          throw new Error("bad escape");
        } else {
          out += hexEscape(next.codePointAt(0));
        }
        classStart = false;
        continue;
      }
      if (inClass) {
        if (ch === "]" && !classStart) {
          inClass = false;
          out += "]";
        } else if (ch === "^" && classStart && out.charAt(out.length - 1) === "[") {
          out += "^";
          continue;
        } else if (ch === "[" || ch === "]") {
          out += "\\" + ch;
        } else {
          out += ch;
        }
        classStart = false;
        continue;
      }
      if (ch === "[") {
        inClass = true;
        classStart = true;
        out += "[";
      } else if (ch === ".") {
        out += dotAll ? "[\\s\\S]" : "[^\\n]";
      } else if (ch === "$") {
        out += multi ? "(?=\\n|(?![\\s\\S]))" : "(?:(?![\\s\\S])|(?=\\n(?![\\s\\S])))";
      } else if (ch === "(") {
        var rest = chars.slice(i + 1, i + 4).join("");
        if (rest.indexOf("?P<") === 0) {
          out += "(?<";
          i += 3;
        } else if (rest.indexOf("?P=") === 0) {
          var close = chars.indexOf(")", i);
          if (close < 0) throw new Error("bad group");
          out += "\\k<" + chars.slice(i + 4, close).join("") + ">";
          i = close;
        } else if (rest.indexOf("?#") === 0) {
          var end = chars.indexOf(")", i);
          if (end < 0) throw new Error("bad comment");
          i = end;
        } else if (/^\?[:=!]|^\?<[=!]/.test(rest) || rest.charAt(0) !== "?") {
          out += "(";
        } else {
          throw new Error("unsupported group");
        }
      } else if (ch === "{") {
        var quant = /^\{(\d*)(,?)(\d*)\}/.exec(chars.slice(i).join(""));
        if (quant && (quant[1] || quant[3]) && !(quant[2] === "" && quant[3] !== "")) {
          out += "{" + (quant[1] || "0") + quant[2] + quant[3] + "}";
          i += quant[0].length - 1;
          if (/[+]/.test(chars[i + 1] || "")) throw new Error("possessive");
        } else {
          out += "\\{";
        }
      } else if (ch === "}" || ch === "]") {
        out += "\\" + ch;
      } else if ((ch === "+" || ch === "*" || ch === "?") && chars[i + 1] === "+") {
        throw new Error("possessive");
      } else {
        out += ch;
      }
    }
    if (inClass) throw new Error("unterminated class");
    return new RegExp("^(?:" + out + ")$", flags.replace("m", ""));
  }

  var patternCache = {};

  // re.fullmatch(pattern, value) is not None; an invalid pattern never matches.
  function fullMatch(pattern, value) {
    if (!Object.prototype.hasOwnProperty.call(patternCache, pattern)) {
      try {
        patternCache[pattern] = translatePattern(pattern);
      } catch (error) {
        patternCache[pattern] = null;
      }
    }
    var regex = patternCache[pattern];
    return regex !== null && regex.test(value);
  }

  // ---------------------------------------------------------------- evaluation

  function zoneParts(date, timeZone) {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }

  var clock = { timeZone: "Asia/Shanghai", now: function () { return new Date(); } };

  function today() {
    var p = zoneParts(clock.now(), clock.timeZone);
    return p.year + "-" + p.month + "-" + p.day;
  }

  function now() {
    var date = clock.now(), p = zoneParts(date, clock.timeZone);
    var local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    var offset = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60000);
    var sign = offset < 0 ? "-" : "+", abs = Math.abs(offset);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return p.year + "-" + p.month + "-" + p.day + "T" + p.hour + ":" + p.minute + ":" + p.second +
      sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  function call(name, args) {
    switch (name) {
      case "not": return !truthy(args[0]);
      case "selected": {
        var chosen = Array.isArray(args[0]) ? args[0] : pySplit(text(args[0]));
        var wanted = text(args[1]);
        return chosen.some(function (v) { return text(v) === wanted; });
      }
      case "count-selected": return Array.isArray(args[0]) ? args[0].length : pySplit(text(args[0])).length;
      case "string-length": return codePoints(text(args[0])).length;
      case "if": return truthy(args[0]) ? args[1] : args[2];
      case "regex": return fullMatch(text(args[1]), codePoints(text(args[0])).slice(0, MAX_LENGTH).join(""));
      case "today": return today();
      case "now": return now();
      case "int":
      case "number": {
        var value = pyNumber(args[0]);
        if (value === null) return null;
        if (name === "number") return value;
        return isFinite(value) ? Math.trunc(value) + 0 : null;
      }
      case "round": {
        var x = pyNumber(args[0]);
        var d = args.length > 1 ? Math.trunc(pyNumber(args[1]) || 0) : 0;
        return x === null ? null : pyRound(x, d);
      }
      case "concat": return args.map(text).join("");
      case "coalesce": return truthy(args[0]) ? args[0] : args[1];
      case "boolean": return truthy(args[0]);
      case "true": return true;
      case "false": return false;
      case "string": return text(args[0]);
      case "contains": return text(args[0]).indexOf(text(args[1])) >= 0;
      case "starts-with": return text(args[0]).indexOf(text(args[1])) === 0;
    }
    throw new Error("unknown function " + name);
  }

  // evaluate(tree, answers, current) as in expressions.py: missing answers are null; never throws on data.
  function evaluate(tree, answers, current) {
    var kind = tree[0];
    if (kind === "lit") return tree[1];
    if (kind === "ref") return Object.prototype.hasOwnProperty.call(answers, tree[1]) ? answers[tree[1]] : null;
    if (kind === "cur") return current === undefined ? null : current;
    if (kind === "op") {
      var op = tree[1];
      if (op === "neg") {
        var v = pyNumber(evaluate(tree[2], answers, current));
        return v === null ? null : -v;
      }
      if (op === "and") return truthy(evaluate(tree[2], answers, current)) && truthy(evaluate(tree[3], answers, current));
      if (op === "or") return truthy(evaluate(tree[2], answers, current)) || truthy(evaluate(tree[3], answers, current));
      var left = evaluate(tree[2], answers, current), right = evaluate(tree[3], answers, current);
      if (["=", "!=", "<", "<=", ">", ">="].indexOf(op) >= 0) return compare(op, left, right);
      return arithmetic(op, left, right);
    }
    return call(tree[1], tree[2].map(function (arg) { return evaluate(arg, answers, current); }));
  }

  // ---------------------------------------------------------------- cleaning answers as fields.py does

  var INVALID = {};

  function isEmpty(value) {
    return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  }

  // str(Decimal(text)) for a finite decimal.
  function decimalText(s) {
    var m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    var sign = m[1] === "-" ? "-" : "", whole = m[2] || "", frac = m[3] || "";
    var coeff = (whole + frac).replace(/^0+/, "") || "0";
    var exp = parseInt(m[4] || "0", 10) - frac.length;
    var leftdigits = exp + coeff.length, dotplace = exp <= 0 && leftdigits > -6 ? leftdigits : 1;
    var intpart, fracpart;
    if (dotplace <= 0) {
      intpart = "0";
      fracpart = "." + "0".repeat(-dotplace) + coeff;
    } else if (dotplace >= coeff.length) {
      intpart = coeff + "0".repeat(dotplace - coeff.length);
      fracpart = "";
    } else {
      intpart = coeff.slice(0, dotplace);
      fracpart = "." + coeff.slice(dotplace);
    }
    var e = leftdigits - dotplace;
    return sign + intpart + fracpart + (e === 0 ? "" : "E" + (e > 0 ? "+" : "-") + Math.abs(e));
  }

  function withinLimits(spec, number) {
    if (spec.min !== null && spec.min !== undefined && number < spec.min) return false;
    if (spec.max !== null && spec.max !== undefined && number > spec.max) return false;
    return true;
  }

  function validDate(y, m, d) {
    var date = new Date(Date.UTC(y, m - 1, d));
    return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }

  function cleanDate(s) {
    var m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
    if (!m || (s.length === 10) !== (s.charAt(4) === "-" && s.charAt(7) === "-")) return null;
    return validDate(+m[1], +m[2], +m[3]) ? m[1] + "-" + m[2] + "-" + m[3] : null;
  }

  function cleanTime(s) {
    var m = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,]\d{1,6})?)?)?$/.exec(s);
    if (!m || +m[1] > 23 || +(m[2] || 0) > 59 || +(m[3] || 0) > 59) return null;
    return m[1] + ":" + (m[2] || "00");
  }

  var PHONE = /^(1[3-9]\p{Nd}{9}|0\p{Nd}{2,3}-?\p{Nd}{7,8}(-\p{Nd}{1,6})?)$/u;

  function cleanText(spec, raw) {
    var value = pyStrip(raw), length = codePoints(value).length;
    if (spec.min_length && length < spec.min_length) return INVALID;
    var limit = spec.max_length || (spec.type === "textarea" ? 5000 : 500);
    if (length > limit) return INVALID;
    if (spec.pattern && !fullMatch(spec.pattern, value)) return INVALID;
    return value;
  }

  function cleanInteger(spec, raw) {
    var s = asciiDigits(pyStrip(raw));
    if (!/^[+-]?\d+(?:_\d+)*$/.test(s)) return INVALID;
    var number = Number(s.replace(/_/g, "")) + 0;
    return withinLimits(spec, number) ? number : INVALID;
  }

  // The answer a field's raw input gives once cleaned (INVALID when the server would refuse it).
  function clean(spec, raw) {
    var kind = spec.type;
    if (typeof raw === "string" && kind !== "multichoice") {
      if (kind === "text" || kind === "textarea") return cleanText(spec, raw);
      if (kind === "integer") return cleanInteger(spec, raw);
      if (kind === "rating") return cleanInteger({ min: 1, max: 5 }, raw);
      if (kind === "decimal") {
        var parsed = decimalParse(pyStrip(raw));
        if (parsed === null || parsed.special) return INVALID;
        return withinLimits(spec, Number(parsed.text)) ? decimalText(parsed.text) : INVALID;
      }
      if (kind === "date") {
        var day = cleanDate(pyStrip(raw));
        if (day === null) return INVALID;
        if (spec.min && day < String(spec.min) || spec.max && day > String(spec.max)) return INVALID;
        return day;
      }
      if (kind === "time") return cleanTime(pyStrip(raw)) || INVALID;
      if (kind === "datetime") {
        var s = pyStrip(raw);
        var date = cleanDate(s.slice(0, 10)), time = s.length > 11 ? cleanTime(s.slice(11)) : s.length === 10 ? "00:00" : null;
        return date && time ? date + "T" + time : INVALID;
      }
      if (kind === "choice" || kind === "likert") {
        return !spec.choices || spec.choices.indexOf(raw) >= 0 ? raw : INVALID;
      }
      if (kind === "yesno") {
        if (["yes", "true", "1"].indexOf(raw) >= 0) return true;
        if (["no", "false", "0"].indexOf(raw) >= 0) return false;
        return INVALID;
      }
      if (kind === "phone") {
        var phone = cleanText({ type: "text", max_length: spec.max_length, min_length: spec.min_length }, raw);
        if (phone === INVALID) return INVALID;
        phone = phone.replace(/ /g, "");
        return PHONE.test(phone) ? phone : INVALID;
      }
      if (kind === "cadre" || kind === "staff") return /^\p{Nd}+$/u.test(raw) ? Number(asciiDigits(raw)) : INVALID;
      if (kind === "hidden") return codePoints(raw).slice(0, 500).join("");
      if (kind === "id_number") return pyStrip(raw).toUpperCase();
      return raw;
    }
    if (kind === "multichoice") {
      if (!Array.isArray(raw)) return INVALID;
      if (!spec.choices) return raw.slice();
      if (raw.some(function (v) { return spec.choices.indexOf(v) < 0; })) return INVALID;
      return spec.choices.filter(function (v) { return raw.indexOf(v) >= 0; });
    }
    return raw; // a chosen file: {name, size}
  }

  // Clean a list of fields in order, as services._clean_fields: conditions see the answers cleaned so far.
  // Each field is {spec, read(), rows()} ; returns {answers, states: [{field, shown, required, value}]}.
  function cleanAll(fields, context) {
    var cleaned = {}, states = [];
    fields.forEach(function (field) {
      var spec = field.spec, scope = Object.assign({}, context, cleaned);
      var shown = !spec.relevant || truthy(evaluate(spec.relevant, scope));
      var state = { field: field, shown: shown, required: false, value: null };
      states.push(state);
      if (!shown) return;
      if (spec.type === "note") return;
      if (spec.type === "calculated") {
        state.value = cleaned[spec.name] = evaluate(spec.calculation, scope);
        return;
      }
      state.required = !!spec.required || (!!spec.required_if && truthy(evaluate(spec.required_if, scope)));
      if (spec.type === "repeat") {
        var rows = [];
        state.rows = field.rows().map(function (row) {
          var result = cleanAll(row, scope);
          if (Object.keys(result.answers).some(function (k) { return !isEmpty(result.answers[k]); })) rows.push(result.answers);
          return result;
        });
        if (rows.length) cleaned[spec.name] = state.value = rows;
        return;
      }
      var raw = field.read();
      if (isEmpty(raw) && spec.type === "hidden" && spec["default"]) raw = spec["default"];
      if (isEmpty(raw)) return;
      var value = clean(spec, raw);
      if (value === INVALID) return;
      if (spec.constraint && !truthy(evaluate(spec.constraint, scope, value))) return;
      cleaned[spec.name] = state.value = value;
    });
    return { answers: cleaned, states: states };
  }

  // ---------------------------------------------------------------- the page

  function parseTree(element, name) {
    var raw = element.getAttribute(name);
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (error) {
      return null;
    }
  }

  function controlsOf(wrapper) {
    // The inputs of this field only, not of fields nested inside it (repeat rows).
    return Array.prototype.filter.call(wrapper.querySelectorAll("input, select, textarea"), function (control) {
      return control.closest("[data-name]") === wrapper;
    });
  }

  function readControls(wrapper, type) {
    var controls = controlsOf(wrapper).filter(function (c) {
      return !/-(keep|clear)$/.test(c.name || "") && c.type !== "submit" && c.type !== "button";
    });
    if (type === "multichoice") {
      return controls.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
    }
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked) return c.value;
      } else if (c.type === "file") {
        if (c.files && c.files.length) return { name: c.files[0].name, size: c.files[0].size };
      } else {
        var v = c.value;
        return pyStrip(v) === "" ? null : v;
      }
    }
    return null;
  }

  function fieldOf(wrapper, limits) {
    var name = wrapper.getAttribute("data-name"), type = wrapper.getAttribute("data-type");
    var spec = Object.assign({}, limits[wrapper.getAttribute("data-key")] || limits[name] || {}, {
      name: name,
      type: type,
      required: wrapper.getAttribute("data-required") === "true",
      relevant: parseTree(wrapper, "data-relevant"),
      required_if: parseTree(wrapper, "data-required-if"),
      constraint: parseTree(wrapper, "data-constraint"),
      calculation: parseTree(wrapper, "data-calculation")
    });
    return {
      spec: spec,
      wrapper: wrapper,
      read: function () { return readControls(wrapper, type); },
      rows: function () {
        return Array.prototype.filter.call(wrapper.querySelectorAll("[data-row]"), function (row) {
          return row.closest("[data-name]") === wrapper;
        }).map(function (row) { return fieldsIn(row, limits); });
      }
    };
  }

  function fieldsIn(container, limits) {
    return Array.prototype.filter.call(container.querySelectorAll("[data-name]"), function (wrapper) {
      var outer = wrapper.parentElement && wrapper.parentElement.closest("[data-name], [data-row], [data-fe-root]");
      return outer === container || (!outer && container.hasAttribute("data-fe-root"));
    }).map(function (wrapper) { return fieldOf(wrapper, limits); });
  }

  function setShown(wrapper, shown) {
    wrapper.hidden = !shown;
    wrapper.toggleAttribute("data-fe-hidden", !shown);
    Array.prototype.forEach.call(wrapper.querySelectorAll("input, select, textarea, button"), function (control) {
      if (!shown) {
        if (!control.disabled) {
          control.disabled = true;
          control.setAttribute("data-fe-disabled", "");
        }
      } else if (control.hasAttribute("data-fe-disabled") && !control.closest("[data-fe-hidden]")) {
        control.disabled = false;
        control.removeAttribute("data-fe-disabled");
      }
    });
  }

  function apply(states) {
    states.forEach(function (state) {
      var wrapper = state.field.wrapper, spec = state.field.spec;
      if (wrapper.getAttribute("data-type") === "hidden") {
        controlsOf(wrapper).forEach(function (c) { c.disabled = !state.shown; });
      } else {
        setShown(wrapper, state.shown);
      }
      if (spec.required_if) {
        wrapper.classList.toggle("fe-field--required-now", state.shown && state.required);
        controlsOf(wrapper).forEach(function (c) {
          if (state.required) c.setAttribute("aria-required", "true");
          else c.removeAttribute("aria-required");
        });
      }
      if (spec.type === "calculated") {
        var output = wrapper.querySelector("output");
        if (output) output.textContent = text(state.value);
      }
      if (state.rows) state.rows.forEach(function (row) { apply(row.states); });
    });
  }

  function attach(form) {
    if (form.hasAttribute("data-fe-attached")) return;
    form.setAttribute("data-fe-attached", "");
    var root = form.querySelector(".fe-fields") || form;
    root.setAttribute("data-fe-root", "");
    var limits = {}, schema = form.querySelector("script#fe-limits, script[data-fe-schema]");
    if (schema) {
      try {
        limits = JSON.parse(schema.textContent) || {};
      } catch (error) {
        limits = {};
      }
    }
    if (form.getAttribute("data-fe-time-zone")) clock.timeZone = form.getAttribute("data-fe-time-zone");
    var update = function () { apply(cleanAll(fieldsIn(root, limits), {}).states); };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function attachAll(doc) {
    Array.prototype.forEach.call(doc.querySelectorAll("form"), function (form) {
      if (form.querySelector("[data-name]")) attach(form);
    });
  }

  return {
    evaluate: evaluate,
    truthy: truthy,
    text: text,
    compare: compare,
    arithmetic: arithmetic,
    call: call,
    clean: function (spec, raw) {
      var value = clean(spec, raw);
      return value === INVALID ? undefined : value;
    },
    cleanAll: cleanAll,
    fullMatch: fullMatch,
    pyRound: pyRound,
    clock: clock,
    attach: attach,
    attachAll: attachAll
  };
});
