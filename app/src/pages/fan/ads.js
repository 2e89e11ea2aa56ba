(() => {
'use strict';
// Ad pixels, only after consent (or where the organization decided none is needed). The server's copy of each
// event carries the same event id, so Meta and TikTok count the two once.
const d = document, w = window, c = JSON.parse(d.getElementById('dd-ads').textContent);
const keys = Object.keys(c.p), started = [], box = d.getElementById('dd-consent');
const get = n => { const m = d.cookie.match('(?:^|; )' + n + '=([^;]*)'); return m ? m[1] : null; };
const put = (n, v, age) => d.cookie = n + '=' + v + '; Path=/; Max-Age=' + age + '; SameSite=Lax' + (location.protocol == 'https:' ? '; Secure' : '');
const said = k => { const m = (get('dropday_consent') || '').match(k + '([01])'); return m ? m[1] : null; };
const uid = () => w.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 14);
const beacon = u => navigator.sendBeacon ? navigator.sendBeacon(u) : fetch(u, {method: 'POST', keepalive: true}).catch(() => {});
const load = src => { const s = d.createElement('script'); s.async = true; s.src = src; d.head.append(s); };
const names = {m: ['PageView', 'Lead', 'CompleteRegistration'], t: ['ViewContent', 'ClickButton', 'CompleteRegistration']};
const boot = {
  m: id => {
    const f = w.fbq = function () { f.callMethod ? f.callMethod.apply(f, arguments) : f.queue.push(arguments); };
    if (!w._fbq) w._fbq = f;
    f.push = f; f.loaded = true; f.version = '2.0'; f.queue = [];
    load(c.s.m); f('init', id);
  },
  t: id => {
    w.TiktokAnalyticsObject = 'ttq';
    const q = w.ttq = w.ttq || [];
    q.methods = ['page', 'track', 'identify', 'instances', 'debug', 'on', 'off', 'once', 'ready', 'alias', 'group',
      'enableCookie', 'disableCookie', 'holdConsent', 'revokeConsent', 'grantConsent'];
    q.setAndDefer = (o, m) => { o[m] = function () { o.push([m].concat([].slice.call(arguments))); }; };
    q.methods.forEach(m => q.setAndDefer(q, m));
    q.instance = e => { const i = q._i[e] || []; q.methods.forEach(m => q.setAndDefer(i, m)); return i; };
    q.load = (e, o) => {
      q._i = q._i || {}; q._i[e] = []; q._i[e]._u = c.s.t; q._t = q._t || {}; q._t[e] = +new Date;
      q._o = q._o || {}; q._o[e] = o || {}; load(c.s.t + '?sdkid=' + e + '&lib=ttq');
    };
    q.load(id);
  },
  g: id => {
    w.dataLayer = w.dataLayer || [];
    w.gtag = function () { w.dataLayer.push(arguments); };
    gtag('js', new Date()); gtag('config', id); load(c.s.g + '?id=' + encodeURIComponent(id));
  }
};
// 0 page view, 1 click-out, 2 pre-save. GA4 counts page views through gtag's config; its click-outs and pre-saves
// go from the server only, since GA4 cannot deduplicate.
const fire = (kind, eid, service, list) => (list || started).forEach(k => {
  if (k == 'm') w.fbq('track', names.m[kind], service ? {content_category: service} : {}, {eventID: eid});
  if (k == 't') w.ttq.track(names.t[kind], service ? {description: service} : {}, {event_id: eid});
});
let pv = get('dropday_pv');
if (pv) put('dropday_pv', '', 0);
// `fresh`: consent given on this page, so the server has not queued this page view for these platforms yet.
const run = (list, fresh) => {
  list = list.filter(k => started.indexOf(k) < 0);
  if (!list.length) return;
  list.forEach(k => { started.push(k); boot[k](c.p[k]); });
  if (c.v) {
    if (!pv || fresh) {
      pv = pv || uid();
      if (c.b) beacon('/t/' + c.r + '/page_view?eid=' + pv + '&p=' + list.join(''));
    }
    fire(0, pv, '', list);
  }
  if (c.e) fire(2, c.e, '', list);
};
run(keys.filter(k => !c.q || said(k) == '1'), false);
const ask = c.a ? keys.filter(k => c.q && said(k) == null) : [];
if (box && ask.length) {
  box.hidden = false;
  box.addEventListener('click', e => {
    const b = e.target.closest('[data-consent]');
    if (!b) return;
    const yes = b.dataset.consent == '1';
    let v = get('dropday_consent') || '';
    ask.forEach(k => { v = v.replace(new RegExp(k + '[01]'), '') + k + (yes ? 1 : 0); });
    put('dropday_consent', v, 15552000);
    box.hidden = true;
    if (yes) run(ask, true);
  });
}
d.addEventListener('click', e => {
  const a = e.target.closest && e.target.closest('a[data-clickout]');
  if (!a || !started.length) return;
  const eid = uid(), u = new URL(a.href, location.href);
  fire(1, eid, u.pathname.split('/')[3] || '');
  u.searchParams.set('eid', eid);
  a.href = u;
}, true);
})();
