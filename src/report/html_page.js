/* The HTML report's script (html.c; scripts/gen_html_assets.py puts it in
 * html_assets.c, and its SHA-256 in the page's Content-Security-Policy).
 *
 * Reads the page's data elements (JSON script elements: the
 * rules, the overview rows, one object per connection, the meta) and draws
 * the overview and, on demand, one connection. Everything from the capture
 * is put in the page as text (textContent, setAttribute), never as markup.
 * Plain ES5 and ASCII: no network, no libraries. */
'use strict';
(function () {
    var errors = [];
    window.__tscErrors = errors;
    function report(msg) {
        errors.push(String(msg));
        var m = document.getElementById('main');
        if (m) m.insertBefore(el('p', {'class': 'error-banner', role: 'alert'},
                                 ['The report hit an error while drawing: ' + msg]), m.firstChild);
    }
    window.addEventListener('error', function (e) { report(e.message); });

    var SVGNS = 'http://www.w3.org/2000/svg';
    var SEV = ['info', 'low', 'medium', 'high'];

    function el(tag, attrs, kids) {
        var e = document.createElement(tag);
        return fill(e, attrs, kids);
    }
    function sv(tag, attrs, kids) {
        var e = document.createElementNS(SVGNS, tag);
        return fill(e, attrs, kids);
    }
    function fill(e, attrs, kids) {
        var k;
        if (attrs) for (k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k) && attrs[k] !== null &&
                                         attrs[k] !== undefined) e.setAttribute(k, String(attrs[k]));
        if (kids) for (k = 0; k < kids.length; k++) {
            var c = kids[k];
            if (c === null || c === undefined) continue;
            e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
        }
        return e;
    }
    function data(id) {
        var e = document.getElementById(id);
        return e ? JSON.parse(e.textContent) : null;
    }
    function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

    /* ---- times ---- */
    /* "2026-11-26T23:16:16.882581Z" -> microseconds since the epoch */
    function tsUs(ts) {
        if (!ts) return null;
        var ms = Date.parse(ts.slice(0, 19) + 'Z');
        var frac = ts.length > 20 ? ts.slice(20, ts.length - 1) : '';
        while (frac.length < 6) frac += '0';
        return ms * 1000 + parseInt(frac.slice(0, 6), 10);
    }
    function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
    function isoUs(us) {
        var ms = Math.floor(us / 1000);
        var d = new Date(ms);
        return d.toISOString().slice(0, 19).replace('T', ' ') + '.' + pad(us - Math.floor(us / 1e6) * 1e6, 6);
    }
    function clockUs(us) { return isoUs(us).slice(11); }
    function dur(us) {
        if (us === null || us === undefined || us < 0) return '-';
        if (us < 1000) return us + ' \u00b5s';
        if (us < 1e6) return (us / 1000).toFixed(3) + ' ms';
        return (us / 1e6).toFixed(3) + ' s';
    }
    function bytes(n) { return n + ' B'; }

    /* ---- names ---- */
    var TITLES = {
        hello_request: 'HelloRequest', client_hello: 'ClientHello', server_hello: 'ServerHello',
        hello_verify_request: 'HelloVerifyRequest', new_session_ticket: 'NewSessionTicket',
        end_of_early_data: 'EndOfEarlyData', hello_retry_request: 'HelloRetryRequest',
        encrypted_extensions: 'EncryptedExtensions', certificate: 'Certificate',
        server_key_exchange: 'ServerKeyExchange', certificate_request: 'CertificateRequest',
        server_hello_done: 'ServerHelloDone', certificate_verify: 'CertificateVerify',
        client_key_exchange: 'ClientKeyExchange', finished: 'Finished', certificate_status: 'CertificateStatus',
        key_update: 'KeyUpdate', compressed_certificate: 'CompressedCertificate', next_protocol: 'NextProtocol',
        change_cipher_spec: 'ChangeCipherSpec', alert: 'Alert', heartbeat: 'Heartbeat',
        encrypted_handshake: 'Encrypted handshake', application_data: 'Application data'
    };
    var PHASES = ['', 'Hello', 'Server authentication', 'Key exchange', 'Finish'];
    function title(m) {
        var t = TITLES[m.type] || (m.type ? String(m.type) : 'unknown message');
        if (m.type === 'alert') {
            if (m.encrypted) return 'Alert (encrypted)';
            return 'Alert: ' + (m.level || '?') + ' ' + (m.description || '?');
        }
        return t;
    }
    function sevName(s) { return SEV[s] || 'unknown'; }
    function sevBadge(s) { return el('span', {'class': 'sev sev-' + sevName(s)}, [sevName(s)]); }

    /* ---- data ---- */
    var rules = data('tsc-rules') || {};
    var meta = data('tsc-meta') || {connections: 0, detailed: 0, detail_max: 0, files: 0};
    var rows = [];
    var blocks = document.querySelectorAll('script.tsc-rows');
    for (var bi = 0; bi < blocks.length; bi++) {
        var part = JSON.parse(blocks[bi].textContent);
        for (var pi = 0; pi < part.length; pi++) {
            part[pi].n = rows.length;
            rows.push(part[pi]);
        }
    }
    function maxSev(r) {
        var m = -1;
        for (var i = 0; i < r.f.length; i++) if (r.f[i][1] > m) m = r.f[i][1];
        return m;
    }
    function hay(r) {
        if (r.h === undefined) {
            var p = [String(r.id), r.c, r.s, r.sni || '', r.v || '', r.cs || '', r.ja4 || '', r.x, isoUs(r.t)];
            for (var i = 0; i < r.f.length; i++) p.push(r.f[i][0], sevName(r.f[i][1]));
            r.h = p.join(' ').toLowerCase();
        }
        return r.h;
    }

    var main = document.getElementById('main');
    var loading = document.getElementById('loading');
    if (loading) loading.parentNode.removeChild(loading);

    /* ---- summary ---- */
    (function () {
        var withF = 0, complete = 0;
        for (var i = 0; i < rows.length; i++) {
            if (rows[i].f.length) withF++;
            if (rows[i].ok) complete++;
        }
        var s = rows.length + ' TLS connection' + (rows.length === 1 ? '' : 's') +
                (meta.files > 1 ? ' in ' + meta.files + ' files' : '') + ', ' + complete +
                ' with a complete handshake, ' + withF + ' with findings.';
        if (rows.length) s += ' From ' + isoUs(rows[0].t) + ' UTC.';
        if (meta.detailed < meta.connections)
            s += ' Diagrams are kept for the first ' + meta.detailed + ' connections; the others are listed only.';
        document.getElementById('summary').textContent = s;
    })();

    /* ---- plots ---- */
    function plotRows(titleText, desc, series, bins, labelW) {
        /* small multiples: one row of bars per series, so no colour is needed to tell them apart */
        var W = 560, rowH = 26, top = 6, left = labelW, right = 60;
        var H = top + series.length * rowH + 18;
        var peak = 1, i, j;
        for (i = 0; i < series.length; i++) for (j = 0; j < bins; j++) peak = Math.max(peak, series[i].b[j]);
        var bw = (W - left - right) / bins;
        var s = sv('svg', {'class': 'plot', viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img',
                           'aria-label': titleText + ': ' + desc});
        for (i = 0; i < series.length; i++) {
            var y0 = top + i * rowH;
            s.appendChild(sv('text', {x: left - 6, y: y0 + rowH - 9, 'text-anchor': 'end', 'font-size': 10},
                             [short(series[i].name, 36)]));
            s.appendChild(sv('line', {'class': 'axis', x1: left, x2: W - right, y1: y0 + rowH - 4, y2: y0 + rowH - 4}));
            for (j = 0; j < bins; j++) {
                var v = series[i].b[j];
                if (!v) continue;
                var h = Math.max(1.5, (rowH - 6) * v / peak);
                s.appendChild(sv('rect', {'class': 'bar', x: left + j * bw + 0.5, y: y0 + rowH - 4 - h,
                                          width: Math.max(1, bw - 1), height: h},
                                 [sv('title', null, [series[i].name + ': ' + v + ' in ' + series[i].lab[j]])]));
            }
            s.appendChild(sv('text', {x: W - right + 6, y: y0 + rowH - 9, 'font-size': 11}, [String(series[i].n)]));
        }
        return s;
    }
    function short(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
    function hbars(titleText, items) {
        var W = 560, rowH = 22, left = 150, right = 70, H = items.length * rowH + 8;
        var peak = 1, i;
        for (i = 0; i < items.length; i++) peak = Math.max(peak, items[i][1]);
        var s = sv('svg', {'class': 'plot', viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img',
                           'aria-label': titleText + ': ' + items.map(function (x) { return x[0] + ' ' + x[1]; }).join(', ')});
        for (i = 0; i < items.length; i++) {
            var y = 4 + i * rowH, w = (W - left - right) * items[i][1] / peak;
            s.appendChild(sv('text', {x: left - 6, y: y + 15, 'text-anchor': 'end', 'font-size': 12}, [items[i][0]]));
            s.appendChild(sv('rect', {'class': 'bar', x: left, y: y + 3, width: Math.max(items[i][1] ? 1.5 : 0, w),
                                      height: rowH - 8}, [sv('title', null, [items[i][0] + ': ' + items[i][1]])]));
            s.appendChild(sv('text', {x: left + w + 6, y: y + 15, 'font-size': 12}, [String(items[i][1])]));
        }
        return s;
    }
    function overTime(key, top) {
        var BINS = 30, t0 = Infinity, t1 = -Infinity, i;
        for (i = 0; i < rows.length; i++) { t0 = Math.min(t0, rows[i].t); t1 = Math.max(t1, rows[i].t); }
        var span = Math.max(1, t1 - t0 + 1), counts = {}, order = [];
        for (i = 0; i < rows.length; i++) {
            var k = rows[i][key] || '(none)';
            if (!counts[k]) { counts[k] = 0; order.push(k); }
            counts[k]++;
        }
        order.sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
        var keep = order.slice(0, top), other = order.length > top;
        var series = keep.map(function (k) { return {name: k, n: counts[k], b: [], lab: []}; });
        if (other) series.push({name: '(' + (order.length - top) + ' others)', n: 0, b: [], lab: []});
        var idx = {};
        keep.forEach(function (k, j) { idx[k] = j; });
        series.forEach(function (s) {
            for (var j = 0; j < BINS; j++) {
                s.b.push(0);
                s.lab.push(clockUs(t0 + Math.floor(span * j / BINS)) + ' to ' + clockUs(t0 + Math.floor(span * (j + 1) / BINS)));
            }
        });
        for (i = 0; i < rows.length; i++) {
            var kk = rows[i][key] || '(none)', si = idx[kk] !== undefined ? idx[kk] : series.length - 1;
            var bin = Math.min(BINS - 1, Math.floor((rows[i].t - t0) * BINS / span));
            series[si].b[bin]++;
            if (idx[kk] === undefined) series[si].n++;
        }
        return {series: series, bins: BINS, from: isoUs(t0), to: isoUs(t1)};
    }
    function drawPlots() {
        if (rows.length < 2) return;
        main.appendChild(el('h2', {id: 'plots-h'}, ['The capture at a glance']));
        var grid = el('div', {'class': 'plots'});
        main.appendChild(grid);
        var v = overTime('v', 6);
        grid.appendChild(el('figure', null, [el('figcaption', null, ['Versions over the capture']),
            plotRows('Versions over the capture', v.from + ' to ' + v.to, v.series, v.bins, 110),
            el('p', {'class': 'legend'}, ['One row per version; bars count connections started in each of ' +
                                          v.bins + ' slices from ' + v.from + ' to ' + v.to + '; total at the right.'])]));
        var c = overTime('cs', 6);
        grid.appendChild(el('figure', null, [el('figcaption', null, ['Cipher suites over the capture']),
            plotRows('Cipher suites over the capture', c.from + ' to ' + c.to, c.series, c.bins, 250),
            el('p', {'class': 'legend'}, ['The six most common selected suites, one row each.'])]));
        var sev = [0, 0, 0, 0], none = 0, i;
        for (i = 0; i < rows.length; i++) {
            if (!rows[i].f.length) none++;
            for (var j = 0; j < rows[i].f.length; j++) sev[rows[i].f[j][1]]++;
        }
        grid.appendChild(el('figure', null, [el('figcaption', null, ['Findings by severity']),
            hbars('Findings by severity', [['high', sev[3]], ['medium', sev[2]], ['low', sev[1]], ['info', sev[0]],
                                           ['connections without', none]]),
            el('p', {'class': 'legend'}, ['Findings of all connections, by their rule\'s severity.'])]));
        var edges = [1000, 10000, 100000, 1e6, 1e7], names = ['< 1 ms', '1-10 ms', '10-100 ms', '0.1-1 s', '1-10 s', '> 10 s'];
        var hist = [0, 0, 0, 0, 0, 0], unknown = 0;
        for (i = 0; i < rows.length; i++) {
            var d = rows[i].hs;
            if (d < 0) { unknown++; continue; }
            var b = 0;
            while (b < edges.length && d >= edges[b]) b++;
            hist[b]++;
        }
        var items = names.map(function (n, k) { return [n, hist[k]]; });
        items.push(['not complete', unknown]);
        grid.appendChild(el('figure', null, [el('figcaption', null, ['Handshake durations']),
            hbars('Handshake durations', items),
            el('p', {'class': 'legend'}, ['From the first handshake message to the last one before application ' +
                                          'data or a ticket; complete handshakes only.'])]));
    }

    /* ---- the table ---- */
    var COLS = [
        {k: 'id', t: '#', v: function (r) { return r.n; }},
        {k: 't', t: 'Time (UTC)', v: function (r) { return r.t; }},
        {k: 'c', t: 'Client', v: function (r) { return r.c; }},
        {k: 's', t: 'Server', v: function (r) { return r.s; }},
        {k: 'sni', t: 'SNI', v: function (r) { return r.sni || ''; }},
        {k: 'v', t: 'Version', v: function (r) { return r.v || ''; }},
        {k: 'cs', t: 'Suite', v: function (r) { return r.cs || ''; }},
        {k: 'ja4', t: 'JA4', v: function (r) { return r.ja4 || ''; }},
        {k: 'f', t: 'Findings', v: function (r) { return maxSev(r) * 1000 + r.f.length; }}
    ];
    var state = {q: '', sev: -1, sort: 0, dir: 1, page: 0, size: 100, view: rows.slice(), selected: null};
    var tbody, pagerText, prevB, nextB, thead;

    function applyView() {
        var q = state.q.toLowerCase().trim(), terms = q ? q.split(/\s+/) : [], out = [];
        for (var i = 0; i < rows.length; i++) {
            var r = rows[i];
            if (state.sev >= 0 && maxSev(r) < state.sev) continue;
            if (terms.length) {
                var h = hay(r), ok = true;
                for (var j = 0; j < terms.length && ok; j++) ok = h.indexOf(terms[j]) >= 0;
                if (!ok) continue;
            }
            out.push(r);
        }
        var col = COLS[state.sort], dir = state.dir;
        out.sort(function (a, b) {
            var x = col.v(a), y = col.v(b);
            if (x < y) return -dir;
            if (x > y) return dir;
            return a.n - b.n;
        });
        state.view = out;
        state.page = 0;
    }
    function drawRows() {
        clear(tbody);
        var from = state.page * state.size, to = Math.min(state.view.length, from + state.size);
        for (var i = from; i < to; i++) {
            var r = state.view[i];
            var link = r.d ? el('a', {href: '#c=' + r.k, 'aria-label': 'Open connection ' + (meta.files > 1 ? r.k : r.id)},
                                [meta.files > 1 ? r.k : String(r.id)])
                           : el('span', {title: 'diagram not kept'}, [String(r.id)]);
            var fs = el('td', {'class': 'findings'});
            var shown = Math.min(r.f.length, 3);
            for (var j = 0; j < shown; j++) {
                var ru = rules[r.f[j][0]];
                fs.appendChild(el('span', {'class': 'finding-mini', title: ru ? ru.title : r.f[j][0]},
                                  [sevBadge(r.f[j][1]), r.f[j][0]]));
                fs.appendChild(document.createTextNode(' '));
            }
            if (r.f.length > shown) fs.appendChild(el('span', {'class': 'muted'}, ['+' + (r.f.length - shown) + ' more']));
            var tr = el('tr', {'data-key': r.k, 'class': state.selected === r.k ? 'sel' : null}, [
                el('td', null, [link]), el('td', {'class': 'mono'}, [isoUs(r.t)]),
                el('td', {'class': 'mono addr'}, [r.c]), el('td', {'class': 'mono addr'}, [r.s]),
                el('td', {'class': 'sni'}, [r.sni === null ? '-' : r.sni]), el('td', null, [r.v || '-']),
                el('td', {'class': 'suite'}, [r.cs || '-']), el('td', {'class': 'mono ja4'}, [r.ja4 || '-']), fs]);
            tbody.appendChild(tr);
        }
        var n = state.view.length;
        pagerText.textContent = n ? 'Rows ' + (from + 1) + ' to ' + to + ' of ' + n +
                                    (n < rows.length ? ' (filtered from ' + rows.length + ')' : '')
                                  : 'No connection matches' + (rows.length ? ' (of ' + rows.length + ')' : '');
        prevB.disabled = state.page === 0;
        nextB.disabled = to >= n;
        var ths = thead.querySelectorAll('th');
        for (var k = 0; k < ths.length; k++)
            ths[k].setAttribute('aria-sort', k === state.sort ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    function drawTable() {
        main.appendChild(el('h2', {id: 'conns-h'}, ['Connections']));
        var search = el('input', {type: 'search', id: 'filter', placeholder: 'address, name, suite, JA4, finding...',
                                  'aria-describedby': 'pager-text'});
        var sevSel = el('select', {id: 'sev-filter'}, [el('option', {value: '-1'}, ['any or none']),
            el('option', {value: '0'}, ['info or worse']), el('option', {value: '1'}, ['low or worse']),
            el('option', {value: '2'}, ['medium or worse']), el('option', {value: '3'}, ['high'])]);
        var sizeSel = el('select', {id: 'page-size'}, [el('option', {value: '50'}, ['50']),
            el('option', {value: '100', selected: 'selected'}, ['100']), el('option', {value: '500'}, ['500'])]);
        main.appendChild(el('div', {'class': 'controls', role: 'search'}, [
            el('label', null, ['Filter (all words must match)', search]),
            el('label', null, ['Findings', sevSel]), el('label', null, ['Rows per page', sizeSel])]));
        prevB = el('button', {type: 'button', id: 'prev'}, ['Previous page']);
        nextB = el('button', {type: 'button', id: 'next'}, ['Next page']);
        pagerText = el('span', {id: 'pager-text', 'aria-live': 'polite'});
        main.appendChild(el('div', {'class': 'pager'}, [prevB, nextB, pagerText]));
        thead = el('thead');
        var hr = el('tr');
        COLS.forEach(function (c, i) {
            var b = el('button', {type: 'button', 'data-col': c.k}, [c.t]);
            b.addEventListener('click', function () {
                if (state.sort === i) state.dir = -state.dir; else { state.sort = i; state.dir = 1; }
                applyView(); drawRows();
            });
            hr.appendChild(el('th', {scope: 'col'}, [b]));
        });
        thead.appendChild(hr);
        tbody = el('tbody', {id: 'conn-rows'});
        main.appendChild(el('div', {'class': 'table-wrap'}, [el('table', {'class': 'conns', id: 'conns'}, [
            el('caption', {'class': 'muted'}, ['Sort by a column with its heading; open a connection with its number.']),
            thead, tbody])]));
        var timer = null;
        search.addEventListener('input', function () {
            if (timer) clearTimeout(timer);
            timer = setTimeout(function () { state.q = search.value; applyView(); drawRows(); }, 120);
        });
        sevSel.addEventListener('change', function () { state.sev = parseInt(sevSel.value, 10); applyView(); drawRows(); });
        sizeSel.addEventListener('change', function () { state.size = parseInt(sizeSel.value, 10); state.page = 0; drawRows(); });
        prevB.addEventListener('click', function () { if (state.page > 0) { state.page--; drawRows(); } });
        nextB.addEventListener('click', function () {
            if ((state.page + 1) * state.size < state.view.length) { state.page++; drawRows(); }
        });
        applyView();
        drawRows();
    }

    /* ---- one connection ---- */
    var detail = el('section', {id: 'detail', 'aria-labelledby': 'detail-h'});

    function fact(dl, k, v) {
        if (v === null || v === undefined || v === '') return;
        dl.appendChild(el('dt', null, [k]));
        dl.appendChild(el('dd', null, [typeof v === 'object' ? v : String(v)]));
    }

    /* The fields of a message: the message's entry and, for the messages
     * the JSON object describes in full, that description. */
    function fieldsOf(conn, m, i) {
        var f = {message: m};
        var firstOf = function (type, dir) {
            for (var j = 0; j < conn.messages.length; j++)
                if (conn.messages[j].type === type && (!dir || conn.messages[j].dir === dir)) return j;
            return -1;
        };
        if (m.type === 'client_hello' && firstOf('client_hello') === i) f.client_hello = conn.client_hello;
        if (m.type === 'server_hello' && firstOf('server_hello') === i) f.server_hello = conn.server_hello;
        if (m.type === 'hello_retry_request' && firstOf('hello_retry_request') === i)
            f.hello_retry_request = conn.hello_retry_request;
        if (m.type === 'server_key_exchange' && firstOf('server_key_exchange') === i)
            f.server_key_exchange = conn.server_key_exchange;
        if (m.type === 'certificate' && m.dir === 's2c' && firstOf('certificate', 's2c') === i)
            f.certificates = conn.certificates;
        if (m.type === 'certificate' && m.dir === 'c2s' && conn.client_certificates)
            f.client_certificates = conn.client_certificates;
        if (m.type === 'new_session_ticket' && conn.session_ticket) f.session_ticket = conn.session_ticket;
        return f;
    }
    function tree(v, depth) {
        if (v === null) return el('span', {'class': 'v'}, ['null']);
        if (typeof v !== 'object') return el('span', {'class': 'v'}, [typeof v === 'string' ? JSON.stringify(v) : String(v)]);
        var isArr = Array.isArray(v), keys = isArr ? v.map(function (x, i) { return i; }) : Object.keys(v);
        if (!keys.length) return el('span', {'class': 'v'}, [isArr ? '[]' : '{}']);
        var ul = el('ul');
        keys.forEach(function (k) {
            var x = v[k], li = el('li');
            if (x !== null && typeof x === 'object' && depth >= 1 && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
                var n = Array.isArray(x) ? x.length + ' items' : Object.keys(x).length + ' fields';
                var d = el('details', depth < 2 ? {open: 'open'} : null,
                           [el('summary', null, [el('span', {'class': 'k'}, [String(k)]), ' (' + n + ')'])]);
                d.appendChild(tree(x, depth + 1));
                li.appendChild(d);
            } else {
                li.appendChild(el('span', {'class': 'k'}, [String(k)]));
                li.appendChild(document.createTextNode(': '));
                li.appendChild(tree(x, depth + 1));
            }
            ul.appendChild(li);
        });
        return ul;
    }

    /* The ladder's rows: the messages in wire order, the capture's gaps at
     * their time, application data counted where the handshake ends. */
    function ladderRows(o) {
        var conn = o.conn, msgs = conn.messages || [], out = [], i;
        for (i = 0; i < msgs.length; i++) out.push({kind: 'msg', m: msgs[i], i: i, t: tsUs(msgs[i].ts), dir: msgs[i].dir});
        (o.gaps || []).forEach(function (g) {
            var row = {kind: g.kind === 'gap' ? 'gap' : 'error', g: g, t: g.t, dir: g.dir};
            var at = out.length;
            for (var j = 0; j < out.length; j++) if (out[j].t !== null && out[j].t > g.t) { at = j; break; }
            out.splice(at, 0, row);
        });
        var hasApp = msgs.some(function (m) { return m.type === 'application_data'; });
        if (!hasApp && conn.app_data) {
            var at = out.length;
            for (i = 0; i < out.length; i++) {
                var m = out[i].m;
                if (m && m.type === 'alert' && i > 0) { at = i; break; }
            }
            ['c2s', 's2c'].forEach(function (d) {
                var a = conn.app_data[d];
                if (a && a.records)
                    out.splice(at++, 0, {kind: 'app', dir: d, t: null, a: a});
            });
        }
        return out;
    }
    function isEncrypted(m) {
        return m.type === 'encrypted_handshake' || m.decrypted || (m.encrypted && m.type !== 'change_cipher_spec') ||
               m.type === 'application_data';
    }

    function drawLadder(o, onPick) {
        var conn = o.conn, items = ladderRows(o);
        var W = 980, XC = 230, XS = 650, TOP = 64, RH = 40, BOT = 24;
        var H = TOP + items.length * RH + BOT;
        var svg = sv('svg', {'class': 'ladder', id: 'ladder', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H,
                             role: 'group', 'aria-label': 'Ladder diagram: ' + items.length + ' rows, client on the left, server on the right'});
        svg.appendChild(sv('defs', null, [
            sv('marker', {id: 'tsc-ah', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 11, markerHeight: 11,
                          markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse'}, [sv('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#1b1b1b'})]),
            sv('marker', {id: 'tsc-ah-alert', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 11, markerHeight: 11,
                          markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse'}, [sv('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#a50e0e'})])]));
        var t0 = null, i;
        for (i = 0; i < items.length; i++) if (items[i].t !== null && (t0 === null || items[i].t < t0)) t0 = items[i].t;
        /* the phases as bands */
        /* a row without a phase (a gap, the application data) joins the band it sits in */
        var phaseAt = function (k) {
            for (var j = k; j >= 0; j--) if (items[j].m) return items[j].m.phase;
            for (j = k; j < items.length; j++) if (items[j].m) return items[j].m.phase;
            return 4;
        };
        var bands = [], cur = null;
        for (i = 0; i < items.length; i++) {
            var p = phaseAt(i);
            if (!cur || cur.p !== p) { cur = {p: p, from: i, to: i}; bands.push(cur); } else cur.to = i;
        }
        bands.forEach(function (b) {
            var y = TOP + b.from * RH - 4, h = (b.to - b.from + 1) * RH;
            svg.appendChild(sv('rect', {'class': 'band' + b.p, x: 120, y: y, width: W - 120, height: h}));
            svg.appendChild(sv('line', {'class': 'band-edge', x1: 120, x2: W, y1: y, y2: y}));
            svg.appendChild(sv('text', {'class': 'band-label', x: W - 6, y: y + 14, 'text-anchor': 'end'},
                               ['Phase ' + b.p + ': ' + (PHASES[b.p] || '?')]));
        });
        /* the lanes */
        svg.appendChild(sv('text', {'class': 'lane-head', x: XC, y: 20, 'text-anchor': 'middle'}, ['Client']));
        svg.appendChild(sv('text', {x: XC, y: 38, 'text-anchor': 'middle', 'font-size': 12},
                           [conn.client.ip + ':' + conn.client.port]));
        svg.appendChild(sv('text', {'class': 'lane-head', x: XS, y: 20, 'text-anchor': 'middle'}, ['Server']));
        svg.appendChild(sv('text', {x: XS, y: 38, 'text-anchor': 'middle', 'font-size': 12},
                           [conn.server.ip + ':' + conn.server.port + (conn.sni !== null ? ' (' + short(conn.sni, 40) + ')' : '')]));
        svg.appendChild(sv('text', {x: 8, y: 38, 'font-size': 11}, ['time (UTC)']));
        svg.appendChild(sv('line', {'class': 'lane', x1: XC, x2: XC, y1: 46, y2: H - 6}));
        svg.appendChild(sv('line', {'class': 'lane', x1: XS, x2: XS, y1: 46, y2: H - 6}));
        var turned = {c2s: false, s2c: false}, groups = [];
        items.forEach(function (it, k) {
            var y = TOP + k * RH + 22, c2s = it.dir === 'c2s';
            var x1 = c2s ? XC : XS, x2 = c2s ? XS : XC, mid = (XC + XS) / 2;
            if (it.t !== null) {
                svg.appendChild(sv('text', {'class': 'time', x: 8, y: y - 4}, [clockUs(it.t)]));
                svg.appendChild(sv('text', {'class': 'time', x: XS + 12, y: y - 4}, ['+' + dur(it.t - t0)]));
            }
            if (it.kind === 'msg' && isEncrypted(it.m) && !turned[it.dir]) {
                turned[it.dir] = true;
                var ty = y - 26;
                svg.appendChild(sv('g', {'class': 'turn'}, [
                    sv('line', {x1: x1 - 40, x2: x1 + 40, y1: ty, y2: ty}),
                    sv('text', {x: c2s ? x1 - 44 : x1 + 44, y: ty - 4, 'text-anchor': c2s ? 'end' : 'start'},
                       [(c2s ? 'client' : 'server') + ' encrypts from here'])]));
            }
            if (it.kind === 'gap' || it.kind === 'error') {
                var g = it.g, xl = c2s ? XC : XS;
                var zig = [];
                for (var z = 0; z <= 6; z++) zig.push((xl - 12 + (z % 2) * 24) + ',' + (y - 16 + z * 5));
                svg.appendChild(sv('g', {'class': 'gap', 'data-kind': g.kind}, [
                    sv('polyline', {points: zig.join(' ')}),
                    sv('text', {x: mid, y: y, 'text-anchor': 'middle'},
                       [g.kind === 'gap' ? 'Gap: ' + g.missing + ' bytes from the ' + (c2s ? 'client' : 'server') +
                                           ' missing (' + g.reason + ')'
                                         : g.kind + ' (' + (c2s ? 'client' : 'server') + '): ' + g.reason]),
                    sv('title', null, [g.reason || ''])]));
                return;
            }
            if (it.kind === 'app') {
                svg.appendChild(sv('g', {'class': 'summary-row'}, [
                    sv('line', {x1: x1, x2: x2, y1: y, y2: y, 'marker-end': 'url(#tsc-ah)'}),
                    sv('text', {x: mid, y: y - 6, 'text-anchor': 'middle'},
                       ['Application data: ' + it.a.records + ' record' + (it.a.records === 1 ? '' : 's') + ', ' +
                        bytes(it.a.bytes) + (it.a.plaintext_bytes !== undefined ? ' (' + it.a.plaintext_bytes +
                                                                                  ' bytes decrypted)' : ' (encrypted)')])]));
                return;
            }
            var m = it.m, cls = 'msg', tags = [];
            if (m.type === 'alert') cls += ' alert';
            if (m.decrypted) { cls += ' dec'; tags.push('decrypted'); }
            else if (isEncrypted(m)) { cls += ' enc'; tags.push('encrypted'); }
            if (m.inferred) tags.push('inferred from its place');
            if (m.error) tags.push(m.error.kind + ': ' + m.error.reason);
            if (m.decrypt_error) tags.push('did not decrypt: ' + m.decrypt_error);
            tags.push(bytes(m.length));
            var name = title(m);
            var label = name + ', ' + (c2s ? 'client to server' : 'server to client') + ', ' + tags.join(', ') +
                        (it.t !== null ? ', at ' + clockUs(it.t) : '');
            var grp = sv('g', {'class': cls, tabindex: 0, role: 'button', 'aria-label': label, 'data-type': m.type,
                               'data-dir': m.dir, 'data-index': it.i, 'aria-pressed': 'false'}, [
                sv('title', null, [label + '. Select to show its fields.']),
                sv('rect', {'class': 'hit', x: XC - 6, y: y - 30, width: XS - XC + 12, height: RH - 2, rx: 4}),
                sv('line', {'class': 'arrow', x1: x1, x2: x2 + (c2s ? -2 : 2), y1: y, y2: y,
                            'marker-end': m.type === 'alert' ? 'url(#tsc-ah-alert)' : 'url(#tsc-ah)'}),
                sv('text', {'class': 'name', x: mid, y: y - 16, 'text-anchor': 'middle'},
                   [(m.type === 'alert' ? '\u26a0 ' : '') + name]),
                sv('text', {'class': 'tag', x: mid, y: y - 4, 'text-anchor': 'middle'}, [short(tags.join(' \u00b7 '), 70)])]);
            if (m.type === 'alert' && m.level === 'fatal') {
                /* a fatal alert ends the connection: a bar across the receiver's lane */
                grp.appendChild(sv('line', {x1: x2 - 10, x2: x2 + 10, y1: y - 8, y2: y + 8, stroke: '#a50e0e', 'stroke-width': 3}));
                grp.appendChild(sv('line', {x1: x2 - 10, x2: x2 + 10, y1: y + 8, y2: y - 8, stroke: '#a50e0e', 'stroke-width': 3}));
            }
            var pick = function () {
                groups.forEach(function (q) { q.setAttribute('class', q.getAttribute('class').replace(/ sel$/, ''));
                                              q.setAttribute('aria-pressed', 'false'); });
                grp.setAttribute('class', cls + ' sel');
                grp.setAttribute('aria-pressed', 'true');
                onPick(m, it.i, name);
            };
            grp.addEventListener('click', pick);
            grp.addEventListener('keydown', function (e) {
                if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); }
                var step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
                if (step) {
                    var at = groups.indexOf(grp) + step;
                    if (at >= 0 && at < groups.length) { e.preventDefault(); groups[at].focus(); }
                }
            });
            groups.push(grp);
            svg.appendChild(grp);
        });
        return svg;
    }

    function certCard(c) {
        if (c.error) return el('li', null, [el('strong', null, ['Certificate ' + c.index + ': did not parse']), ' ',
                                            c.error.kind + ': ' + c.error.reason]);
        var tags = el('div', {'class': 'tags'});
        if (c.ca) tags.appendChild(el('span', null, ['CA']));
        if (c.self_signed) tags.appendChild(el('span', null, ['self-signed']));
        var dl = el('dl', {'class': 'facts'});
        fact(dl, 'Subject', c.subject);
        fact(dl, 'Issuer', c.issuer);
        fact(dl, 'Valid', (c.not_before || '?') + ' to ' + (c.not_after || '?'));
        if (c.public_key) fact(dl, 'Key', c.public_key.algorithm + ' ' + c.public_key.bits + ' bits' +
                                           (c.public_key.curve ? ' (' + c.public_key.curve + ')' : ''));
        fact(dl, 'Signature', c.signature_algorithm);
        if (c.san && c.san.length) fact(dl, 'Names (SAN)', c.san.join(', '));
        fact(dl, 'Serial', c.serial);
        fact(dl, 'SHA-256', c.sha256);
        return el('li', {'class': 'cert'}, [el('strong', null, [c.index === 0 ? 'Server certificate' :
                                                                'Certificate ' + c.index]), tags, dl]);
    }
    function drawChain(certs, box) {
        var ol = el('ol', {'class': 'chain', 'aria-label': 'Certificate chain, the server\'s first'});
        certs.forEach(function (c, i) {
            if (i) {
                var prev = certs[i - 1];
                var ok = prev.issuer !== undefined && c.subject !== undefined && prev.issuer === c.subject;
                ol.appendChild(el('li', {'class': 'link', 'aria-hidden': 'false'},
                                  ['\u2193 ' + (ok ? 'issued by the next (its issuer is this subject)'
                                                   : 'followed by (its issuer is not this subject: the chain is out of order or broken)')]));
            }
            ol.appendChild(certCard(c));
        });
        box.appendChild(ol);
    }

    function showConn(key) {
        var node = document.getElementById('tsc-c-' + key);
        clear(detail);
        if (!node) {
            detail.appendChild(el('h2', {id: 'detail-h', tabindex: '-1'}, ['Connection ' + key]));
            detail.appendChild(el('p', null, ['This connection\'s diagram is not in the report (only the first ' +
                                              meta.detail_max + ' are kept).']));
            return;
        }
        var o = JSON.parse(node.textContent), conn = o.conn;
        state.selected = key;
        var trs = tbody ? tbody.querySelectorAll('tr') : [];
        for (var t = 0; t < trs.length; t++) trs[t].className = trs[t].getAttribute('data-key') === key ? 'sel' : '';
        var head = el('h2', {id: 'detail-h', tabindex: '-1'}, ['Connection ' + (meta.files > 1 ? key : conn.id) + ': ' +
                      conn.client.ip + ':' + conn.client.port + ' \u2192 ' + conn.server.ip + ':' + conn.server.port]);
        detail.appendChild(head);
        if (rows.length > 1) detail.appendChild(el('p', {'class': 'no-print'}, [el('a', {href: '#conns-h'}, ['Back to the table'])]));
        var dl = el('dl', {'class': 'facts'});
        var st = tsUs(conn.start), en = tsUs(conn.end);
        fact(dl, 'Started', isoUs(st) + ' UTC');
        fact(dl, 'Lasted', dur(en - st));
        fact(dl, 'Transport', conn.transport);
        fact(dl, 'Server name (SNI)', conn.sni === null ? '(none)' : conn.sni);
        fact(dl, 'Version', conn.version || '(no ServerHello seen)');
        if (conn.cipher_suite) fact(dl, 'Cipher suite', (conn.cipher_suite.name || conn.cipher_suite.code) + ' (' +
                                    conn.cipher_suite.key_exchange + ' key exchange, ' + conn.cipher_suite.authentication +
                                    ' authentication, ' + conn.cipher_suite.encryption + ', ' + conn.cipher_suite.mac + ')');
        if (conn.alpn) fact(dl, 'ALPN', 'offered ' + (conn.alpn.offered.length ? conn.alpn.offered.join(', ') : '(none)') +
                                       '; selected ' + (conn.alpn.selected === null ? '(none)' : conn.alpn.selected));
        var flags = [];
        ['resumed', 'hello_retry', 'renegotiated', 'complete', 'starttls'].forEach(function (k) {
            flags.push(k.replace('_', ' ') + ': ' + (conn[k] ? 'yes' : 'no'));
        });
        fact(dl, 'Handshake', flags.join(', '));
        if (conn.client_hello) {
            fact(dl, 'JA3', conn.client_hello.ja3);
            fact(dl, 'JA4', conn.client_hello.ja4);
        }
        if (conn.server_hello) fact(dl, 'JA3S', conn.server_hello.ja3s);
        if (conn.decryption) fact(dl, 'Decryption', conn.decryption.status + (conn.decryption.keys ? ' (keys: ' +
                                  conn.decryption.keys + ')' : '') + (conn.decryption.note ? ': ' + conn.decryption.note : ''));
        if (conn.peer_verify) fact(dl, 'Peer verification', conn.peer_verify.verified ? 'verified' :
                                   'not verified: ' + conn.peer_verify.reason);
        detail.appendChild(dl);

        detail.appendChild(el('h3', null, ['Findings (' + conn.findings.length + ')']));
        var fbox = el('div', {'class': 'findings'});
        if (!conn.findings.length) fbox.appendChild(el('p', null, ['No rule fired on this connection.']));
        conn.findings.forEach(function (f) {
            var ru = rules[f.id] || {};
            var sevI = SEV.indexOf(f.severity);
            fbox.appendChild(el('details', {'class': 'finding sev-' + f.severity, 'data-id': f.id}, [
                el('summary', null, [sevBadge(sevI), el('span', {'class': 'detail'}, [f.title + (f.detail ? ': ' + f.detail : '')])]),
                el('p', null, [ru.explanation || '']),
                el('p', {'class': 'muted'}, ['Rule ' + f.id + (ru.reference ? '; see ' + ru.reference : '')])]));
        });
        detail.appendChild(fbox);

        detail.appendChild(el('h3', null, ['The handshake, message by message']));
        detail.appendChild(el('p', {'class': 'legend'}, [
            'Each arrow is a record or message, sent from the lane it starts at; times are absolute (left, UTC) and ' +
            'since the first message (right). Bands are the four phases. Dashed arrows are encrypted and could not ' +
            'be read; thick arrows were decrypted with keys. Select an arrow (click, or Tab and Enter; arrow keys ' +
            'move between them) to see its fields below.']));
        var fields = el('section', {id: 'fields', 'aria-live': 'polite', 'aria-label': 'Fields of the selected message'});
        var svg = drawLadder(o, function (m, i, name) {
            clear(fields);
            fields.appendChild(el('h3', {id: 'fields-h'}, ['Fields of message ' + (i + 1) + ': ' + name]));
            fields.appendChild(tree(fieldsOf(conn, m, i), 0));
        });
        detail.appendChild(el('div', {'class': 'ladder-wrap'}, [svg]));
        if (conn.messages_dropped) detail.appendChild(el('p', null, [conn.messages_dropped + ' more messages were not kept.']));
        fields.appendChild(el('p', {'class': 'muted'}, ['Select a message in the diagram to see its decoded fields.']));
        detail.appendChild(fields);

        detail.appendChild(el('h3', null, ['Certificate chain']));
        if (conn.certificates.length) drawChain(conn.certificates, detail);
        else detail.appendChild(el('p', null, ['No server certificate was seen in the clear' +
                                              (conn.version === 'TLS 1.3' ? ' (TLS 1.3 encrypts it: give the key log).' : '.')]));
        if (conn.client_certificates) {
            detail.appendChild(el('h3', null, ['Client certificates']));
            drawChain(conn.client_certificates, detail);
        }
        if (conn.errors.length) {
            detail.appendChild(el('h3', null, ['Errors']));
            var ul = el('ul');
            conn.errors.forEach(function (e) {
                ul.appendChild(el('li', null, [e.dir + ' ' + e.kind + ': ' + e.reason +
                                               (e.missing_bytes ? ' (' + e.missing_bytes + ' bytes)' : '')]));
            });
            detail.appendChild(ul);
        }
        detail.appendChild(el('details', {'class': 'no-print'}, [el('summary', null, ['The connection as JSON (docs/json.md)']),
                                                                 el('pre', {'class': 'json'}, [JSON.stringify(conn, null, 2)])]));
    }

    function route(focus) {
        var h = location.hash;
        if (h.indexOf('#c=') === 0) {
            showConn(decodeURIComponent(h.slice(3)));
            if (focus) document.getElementById('detail-h').focus();
        }
    }

    try {
        drawPlots();
        if (rows.length > 1) drawTable();
        else if (!rows.length) main.appendChild(el('p', null, ['No TLS connection was found.']));
        main.appendChild(detail);
        window.addEventListener('hashchange', function () { route(true); });
        if (location.hash.indexOf('#c=') === 0) route(false);
        else if (rows.length === 1 && rows[0].d) showConn(rows[0].k);
        else if (rows.length > 1) detail.appendChild(el('p', {'class': 'muted'}, ['Open a connection from the table to see its diagram.']));
        document.body.setAttribute('data-ready', '1');
    } catch (e) {
        report(e && e.message ? e.message : e);
        throw e;
    }
})();
