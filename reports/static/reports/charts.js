/* Report charts (progressive enhancement): each server-rendered <figure class="report-chart"> holds a plain data
   table; this turns it into an Apache ECharts chart placed just before the table, which stays visible as the
   accessible data view. Without window.echarts (not loaded, blocked, old browser) nothing happens: the page is
   complete with its tables.

   Markup (rendered by the reports app):
     <figure class="report-chart" data-chart="bar|hbar|line|stacked|stacked-hbar" data-unit="人"
             data-percent="true|false" data-higher-better="true|false">
       <figcaption>title</figcaption>
       <table class="chart-data">
         <thead><tr><th scope="col">中心</th><th scope="col">Series A</th>…</tr></thead>
         <tbody><tr><th scope="row">Category</th><td data-value="12.5">12.5</td>…</tr>…</tbody>
       </table>
     </figure>
   Categories are the row headers (a .stale / .partial marker in one follows the name in brackets), series the
   column headers after the first, except those with data-chart-skip and those where no body cell has a data-value;
   values come from data-value only (empty, missing or not a number, e.g. "None" = no value: nothing is drawn for
   it, never 0; the tooltip shows the cell's own text, e.g. "<5"). The <tfoot> is not drawn. With
   data-percent="true" (any case) the values are fractions 0–1, shown as percentages; data-higher-better only
   adds "数值越高/越低越好" to the chart's label.

   Loaded after vendor/echarts/echarts.min.js (+ langZH.js); runs on DOMContentLoaded. window.junxiuCharts.render(root)
   (re)renders the figures in root (an element or the document). */
(function () {
  'use strict';

  const KINDS = ['bar', 'hbar', 'line', 'stacked', 'stacked-hbar'];
  // On white: each >= 4.5:1 (text contrast, so also fine for the thin lines), neighbours told apart by hue and
  // lightness (blue / orange first, safe for the common colour-vision deficiencies).
  const PALETTE = ['#0b5cad', '#b34d00', '#2e7d32', '#8b1a1a', '#6a3d9a', '#00717a', '#7a5c00', '#4d4d4d'];
  const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect', 'emptyCircle'];
  const TEXT = '#1a1a1a';
  const MUTED = '#3d3d3d';
  const FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  const FONT_SIZE = 14;
  const ROW_HEIGHT = 28; // px per category of a horizontal bar chart
  const CHART_HEIGHT = 320; // px for vertical bars and lines
  const CANVAS_CLASS = 'chart-canvas';

  const rendered = new Map(); // the chart containers alive → horizontal?, for the one resize listener

  const numberFormat = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 });
  const percentFormat = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function cleanText(node) {
    return node ? node.textContent.replace(/\s+/g, ' ').trim() : '';
  }

  function parseValue(cell) {
    if (!cell || !cell.hasAttribute('data-value')) {
      return null;
    }
    const raw = cell.getAttribute('data-value').trim();
    if (raw === '') {
      return null;
    }
    const value = Number(raw);
    return Number.isFinite(value) ? value : null;
  }

  /* A row header's text; markers in it (.stale, .partial, [data-chart-note]) follow the name in brackets. */
  function categoryName(cell) {
    const copy = cell.cloneNode(true);
    const notes = [];
    Array.prototype.forEach.call(copy.querySelectorAll('.stale, .partial, [data-chart-note]'), function (marker) {
      const note = cleanText(marker);
      if (note) {
        notes.push(note);
      }
      marker.parentNode.removeChild(marker);
    });
    return cleanText(copy) + (notes.length ? '（' + notes.join('，') + '）' : '');
  }

  /* The table as {categoryLabel, categories, series: [{name, values, texts}]}; null when there is nothing to draw.
     Columns whose header has data-chart-skip, and columns where no body cell has a data-value (a total, a
     comparison), are not series. The <tfoot> (city total) is not drawn. */
  function readTable(table) {
    const headRow = table.tHead && table.tHead.rows[0];
    const headCells = headRow ? Array.prototype.slice.call(headRow.cells) : [];
    if (headCells.length < 2) {
      return null;
    }
    const rows = [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.cells.length) {
          rows.push(Array.prototype.slice.call(row.cells));
        }
      });
    });
    if (!rows.length) {
      return null;
    }
    const series = [];
    headCells.slice(1).forEach(function (head, i) {
      const column = i + 1;
      const cells = rows.map(function (cells) {
        return cells[column];
      });
      const hasData = cells.some(function (cell) {
        return cell && cell.hasAttribute('data-value');
      });
      if (head.hasAttribute('data-chart-skip') || !hasData) {
        return;
      }
      series.push({
        name: cleanText(head),
        values: cells.map(parseValue),
        texts: cells.map(cleanText),
      });
    });
    if (!series.length) {
      return null;
    }
    return {
      categoryLabel: cleanText(headCells[0]),
      categories: rows.map(function (cells) {
        return categoryName(cells[0]);
      }),
      series: series,
    };
  }

  /* true / false / null from "true" / "false" (any case: Django renders True and False) / anything else. */
  function flag(figure, name) {
    const value = (figure.getAttribute(name) || '').trim().toLowerCase();
    return value === 'true' ? true : value === 'false' ? false : null;
  }

  function settings(figure) {
    const kind = (figure.getAttribute('data-chart') || '').trim();
    return {
      kind: KINDS.indexOf(kind) >= 0 ? kind : 'bar',
      unit: (figure.getAttribute('data-unit') || '').trim(),
      percent: flag(figure, 'data-percent') === true,
      higherBetter: flag(figure, 'data-higher-better'),
    };
  }

  function formatter(opts) {
    if (opts.percent) {
      return function (value) {
        return percentFormat.format(value);
      };
    }
    return function (value) {
      return numberFormat.format(value) + opts.unit;
    };
  }

  function axisFormatter(opts) {
    if (opts.percent) {
      return function (value) {
        return percentFormat.format(value);
      };
    }
    const suffix = opts.unit === '%' ? '%' : ''; // other units go in the axis name
    return function (value) {
      return numberFormat.format(value) + suffix;
    };
  }

  function largestTotal(data, stacked) {
    let largest = 0;
    data.categories.forEach(function (_, i) {
      let total = 0;
      data.series.forEach(function (s) {
        const v = s.values[i];
        if (v !== null) {
          total = stacked ? total + Math.max(v, 0) : Math.max(total, v);
        }
      });
      largest = Math.max(largest, total);
    });
    return largest;
  }

  function label(caption, opts) {
    let text = caption || '图表';
    if (opts.higherBetter === true) {
      text += '（数值越高越好）';
    } else if (opts.higherBetter === false) {
      text += '（数值越低越好）';
    }
    return text + '。图表的数据见下方表格。';
  }

  function marker(color, hollow) {
    const fill = hollow ? 'border:2px solid ' + color + ';box-sizing:border-box' : 'background-color:' + color;
    return (
      '<span aria-hidden="true" style="display:inline-block;margin-right:6px;border-radius:50%;width:12px;' +
      'height:12px;vertical-align:middle;' + fill + '"></span>'
    );
  }

  /* Category names of a horizontal chart get at most 35% of its width (on a phone the bars need the rest). */
  function labelWidth(container) {
    return Math.max(72, Math.round(container.clientWidth * 0.35));
  }

  function chartHeight(data, opts) {
    const legend = data.series.length > 1 ? 40 : 0;
    if (opts.kind === 'hbar' || opts.kind === 'stacked-hbar') {
      const grouped = opts.kind === 'hbar' && data.series.length > 1;
      const perRow = grouped ? Math.max(ROW_HEIGHT, data.series.length * 14 + 10) : ROW_HEIGHT;
      return Math.max(160, data.categories.length * perRow + legend + 72);
    }
    const crowded = opts.kind !== 'line' && data.categories.length > 8;
    return CHART_HEIGHT + legend + (crowded ? 60 : 0);
  }

  function buildOption(data, opts, caption, container) {
    const horizontal = opts.kind === 'hbar' || opts.kind === 'stacked-hbar';
    const stacked = opts.kind === 'stacked' || opts.kind === 'stacked-hbar';
    const line = opts.kind === 'line';
    const multi = data.series.length > 1;
    const format = formatter(opts);
    const text = { color: TEXT, fontSize: FONT_SIZE, fontFamily: FONT_FAMILY };
    const crowded = !horizontal && !line && data.categories.length > 8;

    const categoryAxis = {
      type: 'category',
      data: data.categories,
      inverse: horizontal, // a horizontal chart lists the categories top-down, in the table's order
      boundaryGap: !line,
      axisLabel: Object.assign(
        horizontal
          ? { interval: 0, width: labelWidth(container), overflow: 'truncate' } // the table has the whole name
          : { interval: 0, rotate: crowded ? 40 : 0 },
        text
      ),
      axisLine: { lineStyle: { color: MUTED } },
      axisTick: { alignWithLabel: true, lineStyle: { color: MUTED } },
    };
    const valueAxis = {
      type: 'value',
      min: 0,
      axisLabel: Object.assign({ formatter: axisFormatter(opts), hideOverlap: true }, text),
      splitLine: { lineStyle: { color: '#d0d0d0' } },
      name: !opts.percent && opts.unit && opts.unit !== '%' ? '单位：' + opts.unit : '',
      nameLocation: horizontal ? 'middle' : 'end', // under the axis labels on a horizontal chart
      nameGap: horizontal ? 30 : 15,
      nameTextStyle: Object.assign({}, text),
    };
    if (opts.percent && largestTotal(data, stacked) <= 1) {
      valueAxis.max = 1;
    }
    if (data.series.some(function (s) { return s.values.some(function (v) { return v !== null && v < 0; }); })) {
      delete valueAxis.min;
    }

    const showLabels = !line && !multi && data.categories.length <= 40;
    const series = data.series.map(function (s, i) {
      const item = {
        name: s.name,
        type: line ? 'line' : 'bar',
        data: s.values.slice(),
        emphasis: { focus: multi ? 'series' : 'none' },
      };
      if (line) {
        item.connectNulls = false;
        item.symbol = SYMBOLS[i % SYMBOLS.length];
        item.symbolSize = 9;
        item.lineStyle = { width: 3 };
      } else {
        item.barMaxWidth = 48;
        item.itemStyle = { borderColor: '#ffffff', borderWidth: stacked ? 1 : 0 };
        if (stacked) {
          item.stack = 'total';
        }
        if (showLabels) {
          item.label = Object.assign(
            {
              show: true,
              position: horizontal ? 'right' : 'top',
              formatter: function (p) {
                return format(p.value);
              },
            },
            text
          );
        }
      }
      return item;
    });

    return {
      aria: {
        enabled: true,
        decal: { show: false },
        label: { description: label(caption, opts) },
      },
      animation: !(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches),
      color: PALETTE,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: FONT_SIZE, color: TEXT },
      legend: {
        show: multi,
        type: 'scroll',
        top: 0,
        left: 'center',
        itemWidth: 22,
        itemHeight: 14,
        textStyle: Object.assign({}, text),
        pageTextStyle: Object.assign({}, text),
      },
      grid: {
        top: multi ? 48 : 28,
        left: 8,
        right: horizontal ? 56 : 24,
        bottom: 8,
        outerBoundsMode: 'same', // the grid shrinks to keep the axis labels and names inside the container
        outerBoundsContain: 'all',
      },
      tooltip: {
        trigger: 'axis',
        confine: true,
        axisPointer: { type: line ? 'line' : 'shadow' },
        textStyle: { color: TEXT, fontSize: 15, fontFamily: FONT_FAMILY },
        // Every series at the category, those without a value with the table's own text (e.g. "<5"). ECharts
        // offers no tooltip where no series has a value: the table shows those.
        formatter: function (params) {
          const list = Array.isArray(params) ? params : [params];
          if (!list.length) {
            return '';
          }
          const index = list[0].dataIndex;
          const lines = ['<strong>' + escapeHtml(data.categories[index]) + '</strong>'];
          data.series.forEach(function (s, i) {
            const value = s.values[index];
            const shown = value === null ? s.texts[index] || '无数据' : format(value);
            const name = multi ? escapeHtml(s.name) + '：' : '';
            lines.push(marker(PALETTE[i % PALETTE.length], value === null) + name + escapeHtml(shown));
          });
          return lines.join('<br>');
        },
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series,
    };
  }

  function dispose(container) {
    const echarts = window.echarts;
    const instance = echarts && echarts.getInstanceByDom(container);
    if (instance) {
      instance.dispose();
    }
    rendered.delete(container);
    if (container.parentNode) {
      container.parentNode.removeChild(container);
    }
  }

  function renderFigure(figure) {
    const echarts = window.echarts;
    const table = figure.querySelector('table.chart-data');
    Array.prototype.forEach.call(figure.querySelectorAll('.' + CANVAS_CLASS), dispose);
    figure.classList.remove('chart-ready');
    if (!table) {
      return;
    }
    const data = readTable(table);
    if (!data) {
      return;
    }
    const opts = settings(figure);
    const caption = cleanText(figure.querySelector('figcaption'));
    const container = document.createElement('div');
    container.className = CANVAS_CLASS;
    container.setAttribute('role', 'img');
    container.setAttribute('aria-label', label(caption, opts));
    container.style.height = chartHeight(data, opts) + 'px';
    table.parentNode.insertBefore(container, table);
    try {
      const chart = echarts.init(container, null, { locale: 'ZH', renderer: 'svg' });
      chart.setOption(buildOption(data, opts, caption, container));
      rendered.set(container, opts.kind === 'hbar' || opts.kind === 'stacked-hbar');
      figure.classList.add('chart-ready');
    } catch (error) {
      // The table is the chart's content: a failed chart only leaves it alone.
      dispose(container);
      if (window.console) {
        window.console.error('report chart not drawn:', caption, error);
      }
    }
  }

  function render(root) {
    if (!window.echarts || typeof window.echarts.init !== 'function') {
      return;
    }
    const scope = root || document;
    const figures = Array.prototype.slice.call(scope.querySelectorAll('figure.report-chart'));
    if (scope.matches && scope.matches('figure.report-chart')) {
      figures.unshift(scope);
    }
    figures.forEach(renderFigure);
  }

  let resizeTimer = null;
  function resizeAll() {
    resizeTimer = null;
    rendered.forEach(function (horizontal, container) {
      const instance = window.echarts && window.echarts.getInstanceByDom(container);
      if (!container.isConnected || !instance) {
        dispose(container);
        return;
      }
      if (horizontal) {
        instance.setOption({ yAxis: { axisLabel: { width: labelWidth(container) } } });
      }
      instance.resize();
    });
  }
  window.addEventListener('resize', function () {
    if (resizeTimer !== null) {
      window.clearTimeout(resizeTimer);
    }
    resizeTimer = window.setTimeout(resizeAll, 200);
  });

  window.junxiuCharts = { render: render };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () {
      render(document);
    });
  } else {
    render(document);
  }
})();
