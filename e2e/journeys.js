// Browser journeys of Lành Mạng: every role through the real pages in Chromium, at phone width
// (360 px) and desktop (1280 px), against a server started on a fresh demo database (see
// `e2e/run`). Every page reached is checked: axe (0 critical, 0 serious; moderate ones listed),
// no console error or CSP violation, under 100 KB transferred, and it works without script.
// Test code only: nothing here ships in the binary.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const BASE = process.env.E2E_BASE || 'http://127.0.0.1:8080';
const OUT = process.env.E2E_OUT || '/tmp/lanhmang-e2e';
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'lanhmang-demo';
const MAX_PAGE_BYTES = 100 * 1024;
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const audited = []; // { journey, width, path, bytes, moderate }
const failures = [];

function fail(where, message) {
  failures.push(`${where}: ${message}`);
  console.log(`  ✗ ${where}: ${message}`);
}

/// One person in one browser context at one width; every page it reaches is audited.
/// Options: `script: false` (JavaScript off, no axe), `height` (of the viewport; 740 unless
/// told), `axe: false` (console and weight checked, axe not run: only for the many pupils of a
/// class session, three of whom are audited fully).
class Visitor {
  constructor(browser, journey, width, options = {}) {
    this.browser = browser;
    this.journey = journey;
    this.width = width;
    this.options = options;
  }

  async open() {
    this.context = await this.browser.newContext({
      viewport: { width: this.width, height: this.options.height || 740 },
      javaScriptEnabled: this.options.script !== false,
      acceptDownloads: true,
      locale: 'vi-VN',
    });
    this.page = await this.context.newPage();
    this.errors = [];
    this.bytes = 0;
    this.page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(m.text());
    });
    this.page.on('pageerror', (e) => this.errors.push(String(e)));
    this.page.on('dialog', (d) => d.accept());
    this.page.on('requestfinished', async (request) => {
      try {
        const sizes = await request.sizes();
        this.bytes += sizes.responseBodySize + sizes.responseHeadersSize;
      } catch (_) {
        // A request of a page already left: not this page's weight.
      }
    });
    return this;
  }

  where() {
    return `${this.journey} @${this.width} ${new URL(this.page.url()).pathname}`;
  }

  /// Goes to a path (or follows a navigation started by `action`) and audits the page.
  async go(pathOrAction, { status = 200 } = {}) {
    this.expectedStatus = status;
    this.errors = [];
    this.bytes = 0;
    let response;
    if (typeof pathOrAction === 'string') {
      response = await this.page.goto(BASE + pathOrAction);
    } else {
      [response] = await Promise.all([this.page.waitForNavigation(), pathOrAction()]);
    }
    const got = response ? response.status() : 0;
    const allowed = Array.isArray(status) ? status : [status];
    if (!allowed.includes(got)) fail(this.where(), `status ${got}, expected ${allowed.join(' or ')}`);
    this.expectedStatus = got;
    await this.audit();
    return response;
  }

  async audit() {
    await this.page.waitForLoadState('load');
    const where = this.where();
    if (this.options.script === false) {
      audited.push({ journey: this.journey, width: this.width, path: new URL(this.page.url()).pathname, bytes: this.bytes, moderate: [], axe: false });
      return;
    }
    let moderate = [];
    if (this.options.axe !== false) {
      await this.page.evaluate(AXE);
      const violations = await this.page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
      });
      const serious = violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
      for (const v of serious) fail(where, `axe ${v.impact} ${v.id} ×${v.nodes}: ${v.help}`);
      moderate = violations.filter((v) => !serious.includes(v)).map((v) => `${v.id}(${v.impact})`);
    }
    // Every field marked invalid names the message that explains it.
    const unexplained = await this.page.$$eval('[aria-invalid="true"]', (fields) =>
      fields
        .filter((f) => {
          const ids = (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
          return ids.length === 0 || ids.some((id) => !document.getElementById(id));
        })
        .map((f) => f.id || f.name),
    );
    for (const f of unexplained) fail(where, `field ${f} is invalid without a message tied to it (aria-describedby)`);
    for (const e of this.errors) {
      // Chromium logs a form answered with its expected 4xx (a validation error) as a failed
      // load of the document; that is the page under test, not an error on it.
      if (this.expectedStatus >= 400 && e.includes(`status of ${this.expectedStatus} `)) continue;
      fail(where, `console: ${e.slice(0, 300)}`);
    }
    // Let late subresources report their sizes before weighing the page.
    await this.page.waitForTimeout(50);
    if (this.bytes > MAX_PAGE_BYTES) fail(where, `${this.bytes} bytes transferred (limit ${MAX_PAGE_BYTES})`);
    audited.push({ journey: this.journey, width: this.width, path: new URL(this.page.url()).pathname + new URL(this.page.url()).search, bytes: this.bytes, moderate, axe: this.options.axe !== false });
  }

  async text() {
    return this.page.locator('main').innerText();
  }

  async expectText(...wanted) {
    const text = await this.text();
    for (const w of wanted) {
      if (!text.includes(w)) fail(this.where(), `expected to read «${w}»; the page reads: ${text.slice(0, 400).replace(/\s+/g, ' ')}`);
    }
    return text;
  }

  async signIn(username) {
    await this.go('/dang-nhap');
    await this.page.fill('#username', username);
    await this.page.fill('#password', PASSWORD);
    await this.go(() => this.page.click('main button[type=submit]'));
    await this.expectText('Xin chào');
    return this;
  }

  async shot(name) {
    const file = path.join(OUT, `${this.journey}-${this.width}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: false });
  }

  /// Closes the context after a screenshot of the last page (none when `name` is null).
  async close(name = 'last') {
    if (name) await this.shot(name);
    await this.context.close();
  }
}

async function visitor(browser, journey, width, username, options) {
  const v = await new Visitor(browser, journey, width, options).open();
  if (username) await v.signIn(username);
  return v;
}

/// The links of the page's menu, in order.
async function menuLinks(v) {
  return v.page.$$eval('header nav a[href^="/"]', (as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
}

/// On a phone the filters are folded behind one button: open it.
async function openFilters(v) {
  const box = v.page.locator('details.filter-box');
  // From 900 px the box shows open without its button.
  if ((await box.count()) > 0 && (await box.first().locator('summary').isVisible())) {
    if (!(await box.first().evaluate((d) => d.open))) await box.first().locator('summary').click();
  }
}

// ----- Journeys -----

/// Every page of every role's menu, and the role's home page says what it is for.
async function everyMenuPage(browser, width) {
  const roles = ['demo.admin', 'demo.office', 'demo.head', 'demo.principal', 'demo.teacher', 'demo.webadmin', 'demo.collaborator', 'demo.parent', 'demo.family', 'demo.incidentlead'];
  for (const username of roles) {
    const v = await visitor(browser, `menu-${username}`, width, username);
    for (const href of await menuLinks(v)) await v.go(href);
    await v.close();
  }
}

/// The yearly report: the principal changes a figure (with its reason) and sends it, the office
/// returns it with a comment, the principal sends it again, the office accepts it and downloads
/// it from the dashboard.
async function yearlyReport(browser, width) {
  const principal = await visitor(browser, 'report', width, 'demo.principal');
  await principal.go('/ke-hoach');
  const planHref = await principal.page.$eval('main a[href^="/ke-hoach/"]', (a) => a.getAttribute('href'));
  await principal.go(planHref);
  const reportHref = await principal.page.$eval('main a[href*="/bao-cao/"]', (a) => a.getAttribute('href'));
  await principal.go(reportHref);
  await principal.expectText('Đang soạn');
  // Every required figure answered (as a principal would), then the first number figure set to
  // one more than the system computed: the form asks why, the principal says.
  await principal.page.evaluate(() => {
    for (const el of document.querySelectorAll('main [name^="v:"]')) {
      if (el.tagName === 'SELECT' && !el.value) el.value = el.options[el.options.length - 2].value;
      else if (el.tagName === 'TEXTAREA' && !el.value.trim()) el.value = 'Nhà trường đã thực hiện theo kế hoạch.';
      else if (el.tagName === 'INPUT' && !el.value.trim()) el.value = '1';
    }
    for (const id of ['results', 'strengths', 'limitations', 'proposals']) {
      const el = document.getElementById(id);
      if (el && !el.value.trim()) el.value = 'Nhà trường đã thực hiện đầy đủ các nội dung của kế hoạch.';
    }
  });
  const figure = principal.page.locator('main input[name^="v:"][inputmode="decimal"]').first();
  const code = (await figure.getAttribute('name')).slice(2);
  const before = Number((await figure.inputValue()).replace(',', '.')) || 0;
  await figure.fill(String(before + 1));
  const reason = 'Có thêm một buổi ngoại khóa chưa ghi vào nhật ký.';
  // Every figure the form asks a reason for (the changed one, and any figure the system has
  // computed since the draft was started) gets one.
  const giveReason = () =>
    principal.page.evaluate(
      ([c, text]) => {
        for (const r of document.querySelectorAll('main [name^="r:"][aria-describedby^="e-"]')) {
          if (!r.value) r.value = text;
        }
        const r = document.querySelector(`[name="r:${c}"]`);
        if (r && !r.value) r.value = text;
        return Boolean(r);
      },
      [code, reason],
    );
  await giveReason();
  await principal.go(() => principal.page.click('main button[name="gui"]'), { status: [200, 400, 422] });
  if (principal.expectedStatus !== 200) {
    // The reason field appears once the figure differs from the computed one.
    if (!(await giveReason())) fail(principal.where(), 'a changed figure without a reason field');
    await principal.go(() => principal.page.click('main button[name="gui"]'));
  }
  await principal.expectText('Đã gửi');

  const office = await visitor(browser, 'report-office', width, 'demo.office');
  await office.go(reportHref);
  await office.page.fill('#comment', 'Đề nghị bổ sung minh chứng cho buổi ngoại khóa.');
  await office.go(() => office.page.locator('main form', { has: office.page.locator('#comment') }).locator('button[type=submit]').click());
  await office.expectText('Đã báo cho');

  await principal.go(reportHref);
  await principal.expectText('Bị trả lại', 'Đề nghị bổ sung minh chứng cho buổi ngoại khóa.');
  await principal.page.evaluate(
    ([c, reason]) => {
      const r = document.querySelector(`[name="r:${c}"]`);
      if (r && !r.value) r.value = reason;
    },
    [code, 'Có thêm một buổi ngoại khóa chưa ghi vào nhật ký.'],
  );
  await principal.go(() => principal.page.click('main button[name="gui"]'));
  await principal.expectText('Đã gửi');
  await principal.close();

  await office.go(reportHref);
  await office.go(() => office.page.click('main button:has-text("Duyệt báo cáo")'));
  await office.expectText('Đã duyệt');
  const dashboardHref = planHref.replace(/\/?$/, '') + '/tong-hop';
  await office.go(dashboardHref);
  for (const kind of ['docx', 'pdf', 'xlsx']) {
    const link = office.page.locator(`main a[href$=".${kind}"], main a[href*="dinh_dang=${kind}"], main a[href*="/${kind}"]`).first();
    if ((await link.count()) === 0) {
      fail(office.where(), `no ${kind.toUpperCase()} download on the dashboard`);
      continue;
    }
    const href = await link.getAttribute('href');
    const r = await office.page.request.get(BASE + href);
    if (r.status() !== 200 || (await r.body()).length < 1000) fail(office.where(), `${href}: ${r.status()}`);
  }
  await office.close();
}

/// The office drafts next year's plan, first with a mistake the form explains, then publishes it.
async function officePublishesPlan(browser, width) {
  const v = await visitor(browser, 'plan', width, 'demo.office');
  await v.go('/ke-hoach/moi');
  await v.page.fill('#title', 'Kế hoạch tổ chức các hoạt động giáo dục kỹ năng số năm học 2027–2028');
  await v.page.fill('#school_year', '2027');
  await v.go(() => v.page.click('main button[type=submit]'), { status: [400, 422] });
  await v.page.fill('#school_year', '2027-2028');
  await v.page.fill('#deadline', '31/05/2028');
  await v.go(() => v.page.click('main button[type=submit]'));
  await v.expectText('2027–2028');
  await v.go(() => v.page.click('main form[action$="/ban-hanh"] button'));
  await v.expectText('Đã ban hành');
  await v.close();
}

/// The principal writes the school's plan and sends it to the office.
async function principalWritesSchoolPlan(browser, width) {
  const v = await visitor(browser, 'school-plan', width, 'demo.principal');
  await v.go('/ke-hoach');
  const planHref = await v.page.$eval('main a[href^="/ke-hoach/"]', (a) => a.getAttribute('href'));
  await v.go(planHref);
  const schoolPlanHref = await v.page.$eval('main a[href*="/truong/"]', (a) => a.getAttribute('href'));
  await v.go(schoolPlanHref);
  await v.page.fill('#note', 'Nhà trường giao tổ trưởng chuyên môn phụ trách từng nhiệm vụ.');
  await v.go(() => v.page.click('main button[name="gui"]'));
  await v.expectText('Đã gửi');
  await v.close();
}

/// A teacher logs an activity with a file and a link typed without https://.
async function teacherActivity(browser, width) {
  const v = await visitor(browser, 'activity', width, 'demo.teacher');
  await v.go('/hoat-dong/moi');
  const kind = await v.page.$eval('#kind option:not([value=""])', (o) => o.value);
  await v.page.selectOption('#kind', kind);
  await v.page.fill('#title', `Sinh hoạt lớp: an toàn trên mạng (${width} px)`);
  await v.page.fill('#link-1', 'thcs-anbinh.edu.vn/tin-tuc/sinh-hoat-lop');
  await v.page.setInputFiles('input[type=file]', {
    name: 'bien-ban.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await v.go(() => v.page.click('main button[type=submit]'));
  await v.expectText(`Sinh hoạt lớp: an toàn trên mạng (${width} px)`, 'bien-ban.pdf');
  await v.close();
}

/// The website administrator acknowledges a finding of the school's site and marks it fixed.
async function webadminFinding(browser, width) {
  const v = await visitor(browser, 'finding', width, 'demo.webadmin');
  await v.go('/giam-sat/website');
  const siteHref = await v.page.$$eval('main a[href^="/giam-sat/website/"]', (as) =>
    as.map((a) => a.getAttribute('href')).find((h) => /^\/giam-sat\/website\/\d+$/.test(h)),
  );
  await v.go(siteHref);
  // The demo's first inspection runs as the server starts: wait for its findings (bounded).
  const acknowledge = v.page.locator('main form[action$="/ghi-nhan"] button');
  for (let i = 0; i < 45 && (await acknowledge.count()) === 0; i++) {
    await v.page.waitForTimeout(2000);
    await v.go(siteHref);
  }
  await v.expectText('Tình trạng');
  if ((await acknowledge.count()) === 0) {
    fail(v.where(), 'no open finding to acknowledge');
  } else {
    await v.go(() => acknowledge.first().click());
    await v.go(() => v.page.locator('main form[action$="/da-sua"] button').first().click());
  }
  await v.close();
}

/// The office adds a website with a mistyped address and is told the corrected one.
async function officeBadAddress(browser, width) {
  const v = await visitor(browser, 'bad-address', width, 'demo.office');
  await v.go('/giam-sat/website/moi');
  const unit = await v.page.$eval('#unit_id option:not([value=""])', (o) => o.value);
  await v.page.selectOption('#unit_id', unit);
  await v.page.fill('#url', 'htps//thcs-anbinh.edu.vn');
  await v.go(() => v.page.click('main button[type=submit]'), { status: 422 });
  await v.expectText('https://thcs-anbinh.edu.vn');
  const invalid = await v.page.getAttribute('#url', 'aria-invalid');
  if (invalid !== 'true') fail(v.where(), 'the address field is not marked invalid');
  await v.close();
}

/// News searched without diacritics finds the accented entries.
async function newsWithoutDiacritics(browser, width) {
  const v = await visitor(browser, 'news', width, 'demo.office');
  await v.go('/tin-tuc');
  await openFilters(v);
  await v.page.fill('#q', 'hoc bong');
  await v.go(() => v.page.locator('form[role=search] button[type=submit]').click());
  const first = await v.page.locator('main .news-list article h2').first().innerText();
  if (!first.toLowerCase().includes('học bổng')) fail(v.where(), `first result «${first}» is not about «học bổng»`);
  await v.expectText('Tìm thấy');
  await v.close();
}

/// Sign in and reach the home page with the keyboard alone, then open the menu.
async function keyboardOnly(browser, width) {
  const v = await visitor(browser, 'keyboard', width, null);
  await v.go('/dang-nhap');
  await v.page.keyboard.type('demo.principal'); // the name field has the focus
  await v.page.keyboard.press('Tab');
  await v.page.keyboard.type(PASSWORD);
  await v.go(() => v.page.keyboard.press('Enter'));
  await v.expectText('Xin chào');
  // Tab to the report of the current plan through the menu, as a keyboard user would.
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await v.page.keyboard.press('Tab');
    const focused = await v.page.evaluate(() => {
      const el = document.activeElement;
      const style = el ? getComputedStyle(el) : null;
      return el ? { text: el.innerText || '', href: el.getAttribute('href') || '', outline: style.outlineStyle } : null;
    });
    if (focused && focused.href === '/ke-hoach') {
      if (focused.outline === 'none') fail(v.where(), 'the focused link shows no focus ring');
      await v.go(() => v.page.keyboard.press('Enter'));
      reached = true;
    } else if (focused && focused.text.trim() === 'Menu') {
      await v.page.keyboard.press('Enter'); // opens the menu (a details element)
    }
  }
  if (!reached) fail(v.where(), 'the plans link was not reached with Tab');
  await v.close();
}

/// A pupil reports on a phone through the school's public form and keeps the receipt code; the
/// collaborator sorts the case and answers; the principal settles it; the pupil reads the
/// answer with the code.
async function publicReportAnswered(browser, width) {
  const collaborator = await visitor(browser, 'incident-collaborator', width, 'demo.collaborator');
  await collaborator.go('/su-co');
  const formHref = await collaborator.page.$eval('main a[href*="/phan-anh/"]', (a) => new URL(a.href).pathname);

  const pupil = await visitor(browser, 'incident-pupil', width, null);
  await pupil.go(formHref);
  await pupil.expectText('Em muốn báo việc gì?', '111');
  await pupil.page.selectOption('#category', 'cyberbullying');
  await pupil.page.fill('#description', `Trong nhóm lớp có bạn đăng ảnh chế giễu em mỗi tối (${width} px).`);
  await pupil.go(() => pupil.page.click('main button[type=submit]'), { status: 201 });
  await pupil.expectText('Mã biên nhận');
  const receipt = (await pupil.page.locator('.receipt-code').innerText()).trim();

  await collaborator.go('/su-co?trang_thai=received');
  await collaborator.go(() => collaborator.page.locator('main table a[href^="/su-co/"]').first().click());
  await collaborator.expectText(`(${width} px)`, 'Làm ngay');
  await collaborator.page.selectOption('#to', 'triaged');
  await collaborator.page.selectOption('#severity', 'high');
  await collaborator.go(() => collaborator.page.locator('main form[action$="/chuyen"] button').click());
  await collaborator.expectText('Đã cập nhật hồ sơ', 'Đã phân loại');
  const caseHref = new URL(collaborator.page.url()).pathname;
  await collaborator.page.fill('#body', 'Cô đã nhận được phản ánh của em và sẽ gặp em trong giờ ra chơi ngày mai.');
  await collaborator.page.check('#to_reporter');
  await collaborator.go(() => collaborator.page.locator('main form[action$="/ghi-chu"] button').click());
  await collaborator.expectText('Đã thêm ghi chú');
  await collaborator.close();

  const principal = await visitor(browser, 'incident-principal', width, 'demo.principal');
  await principal.go(caseHref);
  await principal.page.selectOption('#to', 'resolved');
  await principal.go(() => principal.page.locator('main form[action$="/chuyen"] button').click(), { status: 422 });
  await principal.expectText('Hãy ghi kết quả');
  await principal.page.selectOption('#to', 'resolved');
  await principal.page.fill('#outcome', 'Đã gặp các em và phụ huynh; bài đăng đã được gỡ, lớp sinh hoạt về ứng xử trên mạng.');
  await principal.go(() => principal.page.locator('main form[action$="/chuyen"] button').click());
  await principal.expectText('Đã giải quyết');
  await principal.close();

  await pupil.go('/phan-anh/tra-cuu');
  await pupil.page.fill('#code', receipt.toLowerCase());
  await pupil.go(() => pupil.page.click('main button[type=submit]'));
  await pupil.expectText('Đã giải quyết', 'gặp em trong giờ ra chơi');
  await pupil.close();
}

/// A teacher reports a child being groomed: the office's incident lead is alerted at once and
/// opens the case, which records the reading.
async function exploitationAlertsTheLead(browser, width) {
  const teacher = await visitor(browser, 'incident-urgent', width, 'demo.teacher');
  await teacher.go('/su-co/moi');
  await teacher.expectText('111', 'Không tải lên');
  await teacher.page.selectOption('#category', 'child_exploitation');
  await teacher.page.fill('#description', 'Một tài khoản lạ nhắn tin hẹn gặp một em lớp 5 và đòi ảnh riêng tư.');
  await teacher.page.fill('#affected', 'lớp 5A, T.H');
  await teacher.go(() => teacher.page.click('main button[type=submit]'));
  await teacher.expectText('Hồ sơ khẩn cấp', 'hạn chế');
  await teacher.close();

  const lead = await visitor(browser, 'incident-lead', width, 'demo.incidentlead');
  await lead.go('/thong-bao');
  await lead.expectText('KHẨN');
  await lead.go('/su-co');
  await lead.go(() => lead.page.locator('main table a[href^="/su-co/"]').first().click());
  await lead.expectText('Đã xem bởi', 'Trần Minh Khoa');
  // The network's coverage: counts per school and category, never a case's words.
  await lead.go('/su-co/mang-luoi');
  await lead.expectText('Trường chưa có cộng tác viên', 'Xâm hại tình dục');
  const words = await lead.text();
  if (words.includes('đòi ảnh riêng tư')) fail(lead.where(), 'the coverage shows what a case says');
  await lead.close();
}

/// The principal answers a false claim with the facts; the office head approves; anyone reads it
/// at its public address, without an account.
/// The system administrator adds a category (a bad order number is shown beside its field first)
/// and a reporter finds it on the form.
async function categoryAdded(browser, width) {
  const admin = await visitor(browser, 'category', width, 'demo.admin');
  await admin.go('/su-co/loai');
  await admin.page.fill('#code', `mao_danh_${width}`);
  await admin.page.fill('#name', `Tin nhắn mạo danh nhà trường (${width} px)`);
  await admin.page.fill('#position', 'bốn');
  await admin.go(() => admin.page.click('main button[type=submit]'), { status: [422] });
  await admin.expectText('Thứ tự là một số');
  await admin.page.fill('#position', '45');
  await admin.go(() => admin.page.click('main button[type=submit]'));
  await admin.expectText('Đã lưu loại sự việc');
  await admin.close();

  const teacher = await visitor(browser, 'category-teacher', width, 'demo.teacher');
  await teacher.go('/su-co/moi');
  const offered = await teacher.page.$$eval('#category option', (os) => os.map((o) => o.textContent.trim()));
  if (!offered.includes(`Tin nhắn mạo danh nhà trường (${width} px)`)) fail(teacher.where(), `the new category is not offered: ${offered.join('; ')}`);
  await teacher.close();
}

/// A teacher reports a scam message and attaches its screenshot (the form first says what must
/// never be sent); the principal links the case to another one.
const SCREENSHOT = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');
async function evidenceAndLink(browser, width) {
  const teacher = await visitor(browser, 'evidence', width, 'demo.teacher');
  await teacher.go('/su-co/moi');
  await teacher.page.selectOption('#category', 'scam');
  await teacher.page.fill('#description', `Phụ huynh nhận tin nhắn giả danh nhà trường đòi chuyển tiền (${width} px).`);
  await teacher.go(() => teacher.page.click('main button[type=submit]'));
  const caseHref = new URL(teacher.page.url()).pathname;
  await teacher.expectText('Không gửi hình ảnh hay đoạn phim có thân thể trẻ em');
  await teacher.page.setInputFiles('#file', { name: `tin-nhan-${width}.png`, mimeType: 'image/png', buffer: SCREENSHOT });
  await teacher.page.check('#confirm');
  await teacher.go(() => teacher.page.locator('main form[action$="/tep"] button').click());
  await teacher.expectText('Đã gửi tệp', `tin-nhan-${width}.png`);
  await teacher.close();

  const principal = await visitor(browser, 'evidence-principal', width, 'demo.principal');
  await principal.go('/su-co');
  const hrefs = await principal.page.$$eval('main table a[href^="/su-co/"]', (as) => as.map((a) => new URL(a.href).pathname));
  const other = hrefs.find((h) => h !== caseHref && /^\/su-co\/\d+$/.test(h));
  if (!other) fail(principal.where(), `no other case to link to: ${hrefs.join(' ')}`);
  const otherId = other.split('/').pop();
  await principal.go(caseHref);
  await principal.page.selectOption('#kind', 'incident');
  await principal.page.fill('#target_id', otherId);
  await principal.go(() => principal.page.locator('main form[action$="/lien-ket"] button').click());
  await principal.expectText('Đã thêm liên kết', `Hồ sơ số ${otherId}`);
  await principal.close();
}

/// The system administrator sets the working time the clocks count: a holiday that is not a date
/// is shown beside its field, and nothing is saved until it is fixed.
async function workingTimeSaved(browser, width) {
  const admin = await visitor(browser, 'working-time', width, 'demo.admin');
  await admin.go('/su-co/gio-lam-viec');
  await admin.expectText('Giờ làm việc và ngày nghỉ', 'Chủ nhật');
  const holidays = await admin.page.inputValue('#holidays');
  await admin.page.fill('#holidays', `${holidays}\n31/02/2027`);
  await admin.go(() => admin.page.click('main button[type=submit]'), { status: [422] });
  await admin.expectText('Ngày nghỉ không hợp lệ: «31/02/2027»');
  await admin.page.fill('#holidays', holidays);
  await admin.go(() => admin.page.click('main button[type=submit]'));
  await admin.expectText('Đã lưu giờ làm việc');
  await admin.close();
}

async function clarificationPublished(browser, width) {
  const principal = await visitor(browser, 'clarification', width, 'demo.principal');
  await principal.go('/dinh-chinh/moi');
  await principal.page.fill('#title', `Nhà trường không thu thêm tiền học (${width} px)`);
  await principal.page.fill('#claim', 'Một bài đăng trên mạng xã hội nói trường thu thêm 500.000 đồng mỗi học sinh.');
  await principal.page.fill('#facts', 'Nhà trường không thu khoản nào ngoài các khoản Hội đồng trường đã thông qua và công khai.');
  await principal.page.fill('#sources', 'Thông báo công khai thu chi năm học 2026–2027 của nhà trường');
  await principal.go(() => principal.page.click('main button[type=submit]'));
  await principal.expectText('Chờ duyệt');
  const href = new URL(principal.page.url()).pathname;
  await principal.close();

  const head = await visitor(browser, 'clarification-head', width, 'demo.head');
  await head.go(href);
  await head.go(() => head.page.locator('main form[action$="/duyet"] button').click());
  await head.expectText('Đã duyệt và công bố');
  await head.close();

  const reader = await visitor(browser, 'clarification-public', width, null);
  await reader.go(href.replace('/dinh-chinh/', '/cong-khai/dinh-chinh/'));
  await reader.expectText('Sự thật', 'Hội đồng trường');
  await reader.close();
}

/// A lesson in class. The teacher, on the classroom's projector (1280×720), finds a lesson for
/// grades 3–5 in the library, first starts it with no pupil present (refused beside the field),
/// then for 4A with 30 present; 30 pupils join on phones (the journey's width) with the address
/// or by typing the code at /lop, some with a nickname, and answer, each reading their score;
/// one sends twice and is told once is enough. The screen then counts 30, shows the question
/// most got wrong, and the teacher closes the session.
const CLASS_PUPILS = 30;
async function classSession(browser, width) {
  const teacher = await visitor(browser, 'class-teacher', 1280, 'demo.teacher', { height: 720 });
  await teacher.go('/bai-hoc');
  await openFilters(teacher);
  await teacher.page.selectOption('#band', 'grades_3_5');
  await teacher.page.selectOption('#topic', 'online_scams');
  await teacher.go(() => teacher.page.locator('form[role=search] button[type=submit]').click());
  const lessons = await teacher.page.$$eval('main table a[href^="/bai-hoc/"]', (as) => as.map((a) => a.getAttribute('href')));
  if (!lessons.includes('/bai-hoc/online_scams-grades_3_5')) fail(teacher.where(), `the filtered library lists ${lessons.join(' ')}`);
  await teacher.go(() => teacher.page.click('main table a[href="/bai-hoc/online_scams-grades_3_5"]'));
  await teacher.expectText('Bắt đầu buổi học với lớp', 'Câu hỏi kiểm tra');
  // The right choice of each question, from the teacher's copy of the quiz.
  const key = await teacher.page.$$eval('ol.quiz-key > li', (items) =>
    items.map((li) => {
      const choices = [...li.querySelectorAll('ul.choices > li')];
      return { choices: choices.length, right: choices.findIndex((c) => c.textContent.includes('(đáp án đúng)')) };
    }),
  );
  if (key.length === 0 || key.some((q) => q.right < 0 || q.choices < 2)) fail(teacher.where(), `the quiz's key does not read: ${JSON.stringify(key)}`);

  // No pupil present: refused, the message beside the field (the audit checks it is tied to it).
  await teacher.page.fill('#class_name', '4A');
  await teacher.page.fill('#pupils_present', '0');
  await teacher.go(() => teacher.page.click('main form[action="/buoi-hoc"] button[type=submit]'), { status: 422 });
  await teacher.expectText('Số học sinh có mặt là một số từ 1 đến');
  const beside = await teacher.page.$eval('#pupils_present', (f) => ({
    invalid: f.getAttribute('aria-invalid'),
    next: f.nextElementSibling ? f.nextElementSibling.id : '',
    keptClass: document.getElementById('class_name').value,
  }));
  if (beside.invalid !== 'true' || beside.next !== 'pupils_present-error') fail(teacher.where(), `the refused count is not marked beside its field: ${JSON.stringify(beside)}`);
  if (beside.keptClass !== '4A') fail(teacher.where(), `the class typed was not kept: «${beside.keptClass}»`);
  await teacher.page.fill('#pupils_present', String(CLASS_PUPILS));
  await teacher.go(() => teacher.page.click('main form[action="/buoi-hoc"] button[type=submit]'));
  const screenHref = new URL(teacher.page.url()).pathname;
  if (!/^\/buoi-hoc\/\d+$/.test(screenHref)) fail(teacher.where(), `the session did not start: ${teacher.page.url()}`);
  await teacher.expectText('Lớp 4A', 'Vào buổi học', 'Đã làm bài');
  const label = await teacher.page.getAttribute('.join-code', 'aria-label');
  const code = ((label || '').match(/\d{6}/) || [''])[0];
  if (!code) fail(teacher.where(), `no join code on the screen: «${label}»`);
  if ((await teacher.page.locator('main .join-qr svg').count()) !== 1) fail(teacher.where(), 'no QR code on the screen');
  // The screen stays still unless the teacher turns its reloading on (every 5 s, with a link to
  // stop it). That page is fetched and read, not audited: axe flags any timed reload
  // (meta-refresh), and here it is the teacher's own choice, with the stop beside the figures.
  if ((await teacher.page.locator('head meta[http-equiv="refresh"]').count()) > 0) fail(teacher.where(), 'the screen reloads itself before the teacher asks');
  const liveHref = await teacher.page.getAttribute('main a:has-text("Tự cập nhật mỗi 5 giây")', 'href');
  const live = await teacher.page.request.get(BASE + liveHref);
  const liveBody = await live.text();
  if (live.status() !== 200 || !liveBody.includes('<meta http-equiv="refresh" content="5">') || !liveBody.includes('Dừng tự cập nhật')) {
    fail(teacher.where(), `${liveHref}: ${live.status()}, without its 5 s reload or the link to stop it`);
  }
  const joinAddress = await teacher.page.getAttribute('main a.join-address', 'href');
  if (!joinAddress.endsWith(`/lop/${code}`)) fail(teacher.where(), `the join address ${joinAddress} does not end with the code`);
  // Before anyone answered, the screen shows no answers; the list of sessions has this one open.
  if ((await teacher.text()).includes('đáp án đúng')) fail(teacher.where(), 'the screen shows right answers before the teacher asks');
  await teacher.go('/buoi-hoc');
  await teacher.expectText('4A', 'Đang mở');

  // Pupil k answers question q wrongly when (k + q) % 3 === 0, and question 2 also when k is a
  // multiple of 5: question 2 is the one most got wrong. Wrong choices vary between pupils.
  const wrong = (k, q) => (k + q) % 3 === 0 || (q === 1 && k % 5 === 0);
  const choiceOf = (k, q) => {
    const { right, choices } = key[q];
    return wrong(k, q) ? (right + 1 + (Math.floor(k / 3) % (choices - 1))) % choices : right;
  };
  const twice = 2; // this pupil sends a second time
  async function pupil(k) {
    const full = k < 3; // the first three pupils' pages are audited with axe too
    const v = await visitor(browser, `class-pupil-${k + 1}`, width, null, { axe: full });
    const nickname = k % 4 === 0 ? `Sóc nâu ${k + 1}` : '';
    if (k % 6 !== 1) {
      await v.go(`/lop/${code}`);
      const prefilled = await v.page.inputValue('#code');
      if (prefilled !== code) fail(v.where(), `the code field reads «${prefilled}», expected ${code}`);
    } else {
      // A few type the code as the screen shows it, with its space.
      await v.go('/lop');
      await v.page.fill('#code', `${code.slice(0, 3)} ${code.slice(3)}`);
    }
    if (nickname) await v.page.fill('#nickname', nickname);
    await v.go(() => v.page.click('main button[type=submit]'));
    await v.expectText('Lớp 4A', 'Nộp bài');
    const questions = await v.page.locator('fieldset.question').count();
    if (questions !== key.length) fail(v.where(), `${questions} questions, the lesson has ${key.length}`);
    let right = 0;
    for (let q = 0; q < key.length; q++) {
      await v.page.check(`fieldset.question input[type=radio][name="q${q}"][value="${choiceOf(k, q)}"]`);
      if (!wrong(k, q)) right++;
    }
    if (k === 0) {
      await v.page.evaluate(() => window.scrollTo(0, 0));
      await v.shot('quiz');
    }
    const sent = await v.page.$eval('form.quiz', (f) => ({ action: f.action, fields: [...new FormData(f)] }));
    await v.go(() => v.page.click('form.quiz button[type=submit]'));
    await v.expectText(`Em đúng ${right}/${key.length} câu`);
    if (k === twice) {
      // The same answers posted again (as the back button and «Nộp bài» would): counted once.
      await v.go(
        () =>
          v.page.evaluate(({ action, fields }) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            for (const [name, value] of fields) {
              const input = document.createElement('input');
              input.type = 'hidden';
              input.name = name;
              input.value = value;
              form.append(input);
            }
            document.body.append(form);
            form.submit();
          }, sent),
        { status: 409 },
      );
      await v.expectText('Em đã nộp bài rồi');
    }
    await v.close(full ? 'last' : null);
  }
  // A few at a time: each pupil in their own browser context, closed when done.
  for (let k = 0; k < CLASS_PUPILS; k += 3) {
    await Promise.all([k, k + 1, k + 2].filter((i) => i < CLASS_PUPILS).map(pupil));
  }

  // The screen, reloaded: everyone counted once; the results on demand, the hardest question.
  await teacher.go(screenHref);
  const figures = await teacher.page.$$eval('.session-figures > div', (ds) =>
    Object.fromEntries(ds.map((d) => [d.querySelector('dt').innerText.trim(), d.querySelector('dd').innerText.trim()])),
  );
  for (const name of ['Đã vào trên thiết bị', 'Đã làm bài']) {
    if (figures[name] !== String(CLASS_PUPILS)) fail(teacher.where(), `«${name}» reads ${figures[name]}, expected ${CLASS_PUPILS}`);
  }
  await teacher.go(`${screenHref}?ket_qua=1`);
  await teacher.expectText('Câu nhiều em chưa đúng nhất: câu 2', 'đáp án đúng');
  const shares = await teacher.page.$$eval('ol.session-results > li', (lis) => lis.map((li) => (li.innerText.match(/(\d+)% đúng/) || [])[1]));
  const expected = key.map((_, q) => {
    let right = 0;
    for (let k = 0; k < CLASS_PUPILS; k++) if (!wrong(k, q)) right++;
    return String(Math.floor((right * 100 + CLASS_PUPILS / 2) / CLASS_PUPILS));
  });
  if (shares.join(' ') !== expected.join(' ')) fail(teacher.where(), `shares right ${shares.join(' ')}, expected ${expected.join(' ')}`);
  await teacher.page.locator('main .hardest').scrollIntoViewIfNeeded();
  await teacher.shot('results');
  await teacher.go(() => teacher.page.click('main form[action$="/ket-thuc"] button[type=submit]'));
  await teacher.expectText('đã kết thúc');
  if ((await teacher.page.locator('main .join-code').count()) > 0) fail(teacher.where(), 'the join code is still shown after the session closed');
  await teacher.close();

  // A pupil arriving late finds no open session with the code.
  const late = await visitor(browser, 'class-pupil-late', width, null);
  await late.go(`/lop/${code}`);
  await late.go(() => late.page.click('main button[type=submit]'), { status: 404 });
  await late.expectText('Không có buổi học nào đang mở với mã này');
  await late.close();
}

/// The office adapts a built-in lesson for parents (a new title), saves it (not yet published)
/// and publishes it; a school's principal finds it in the library and downloads its plan.
async function officeAdaptsLesson(browser, width) {
  const office = await visitor(browser, 'lesson-office', width, 'demo.office');
  await office.go('/bai-hoc/moi?tu=screen_time-parents');
  const title = `Cùng con dùng màn hình lành mạnh: bản của phòng (${width} px)`;
  const unit = office.page.locator('#unit_id');
  if ((await unit.inputValue()) === '') await unit.selectOption(await office.page.$eval('#unit_id option:not([value=""])', (o) => o.value));
  await office.page.fill('#title', title);
  await office.go(() => office.page.click('main form.lesson-form button[type=submit]'));
  await office.expectText(title, 'Đã tạo bài học của đơn vị', 'Bài chưa công bố');
  const href = new URL(office.page.url()).pathname;
  if (!/^\/bai-hoc\/\d+$/.test(href)) fail(office.where(), `not the new lesson's page: ${office.page.url()}`);
  await office.go(() => office.page.click('main form[action$="/cong-bo"] button[type=submit]'));
  await office.expectText('Đã công bố bài học', 'Bài đang được công bố');
  await office.close();

  const principal = await visitor(browser, 'lesson-principal', width, 'demo.principal');
  await principal.go('/bai-hoc');
  await openFilters(principal);
  await principal.page.selectOption('#band', 'parents');
  await principal.go(() => principal.page.locator('form[role=search] button[type=submit]').click());
  const link = principal.page.locator(`main table a[href="${href}"]`);
  if ((await link.count()) === 0) {
    fail(principal.where(), `the published lesson ${href} is not in the library filtered for parents`);
  } else {
    if ((await link.innerText()).trim() !== title) fail(principal.where(), `the lesson is listed as «${await link.innerText()}»`);
    await principal.go(() => link.click());
    await principal.expectText(title, 'Gửi cha mẹ');
    const [download] = await Promise.all([
      principal.page.waitForEvent('download', { timeout: 120000 }),
      principal.page.click(`main a[href="${href}/giao-an.pdf"]`),
    ]);
    const name = download.suggestedFilename();
    if (!name.endsWith('.pdf')) fail(principal.where(), `the plan downloads as «${name}», not a .pdf`);
    const file = await download.path();
    const head = fs.readFileSync(file).subarray(0, 5).toString();
    if (head !== '%PDF-' || fs.statSync(file).size < 1000) fail(principal.where(), `«${name}» is not a PDF (${fs.statSync(file).size} bytes)`);
  }
  await principal.close();
}

/// A training with a pre- and a post-test and a certificate: the office schedules it to start in
/// ten minutes with a staff lesson as its test, changes its room, and shows the attendance code;
/// a teacher registers, takes the pre-test, checks in with the code, takes the post-test and
/// downloads the certificate; anyone verifies the certificate by its code; the office reads the
/// group's gain per question and finds the training on the teacher's page.
async function trainingWithTestsAndCertificate(browser, width) {
  const office = await visitor(browser, 'training-office', width, 'demo.office');
  await office.go('/tap-huan/moi');
  const title = `Tập huấn nhận diện tin giả cho giáo viên (${width} px)`;
  // Ten minutes from now in Vietnam time (UTC+7): the code is accepted from 30 minutes before.
  const start = new Date(Date.now() + 10 * 60 * 1000 + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, '0');
  const unit = office.page.locator('#unit_id');
  if ((await unit.inputValue()) === '') await unit.selectOption(await office.page.$eval('#unit_id option:not([value=""])', (o) => o.value));
  await office.page.fill('#title', title);
  await office.page.fill('#date', `${two(start.getUTCDate())}/${two(start.getUTCMonth() + 1)}/${start.getUTCFullYear()}`);
  await office.page.fill('#time', `${two(start.getUTCHours())}:${two(start.getUTCMinutes())}`);
  await office.page.fill('#minutes', '60');
  await office.page.fill('#place', 'Phòng họp tầng 2');
  await office.page.check('input[name=roles][value=teacher]');
  await office.page.locator('input[name=materials]').first().check();
  await office.page.selectOption('#test_lesson', await office.page.$eval('#test_lesson option:not([value=""])', (o) => o.value));
  await office.go(() => office.page.click('main form button[type=submit]'));
  await office.expectText(title, 'Đã lên lịch buổi tập huấn', 'Mã điểm danh');
  const href = new URL(office.page.url()).pathname;
  if (!/^\/tap-huan\/\d+$/.test(href)) fail(office.where(), `not the new training's page: ${office.page.url()}`);
  // The room changes: the edit form keeps the audience and the test as scheduled.
  await office.go(`${href}/sua`);
  await office.page.fill('#place', 'Hội trường tầng 3');
  await office.go(() => office.page.click('main form button[type=submit]'));
  await office.expectText('Đã lưu thay đổi', 'Hội trường tầng 3');
  const code = ((await office.page.locator('.join-code').getAttribute('aria-label')) || '').replace(/\D/g, '');
  if (code.length !== 6) fail(office.where(), `no six-digit attendance code on the organizer's page («${code}»)`);

  const teacher = await visitor(browser, 'training-teacher', width, 'demo.teacher');
  await teacher.go('/tap-huan');
  await teacher.go(() => teacher.page.click(`main a[href="${href}"]`));
  await teacher.expectText(title, 'Hội trường tầng 3', 'được mời');
  await teacher.go(() => teacher.page.click(`main form[action="${href}/dang-ky"] button`));
  await teacher.expectText('Đã đăng ký');
  // The pre-test, answered with the first choice everywhere.
  await teacher.go(() => teacher.page.click(`main a[href="${href}/kiem-tra/truoc"]`));
  const answerAll = async () => {
    const names = await teacher.page.$$eval('main input[type=radio]', (rs) => [...new Set(rs.map((r) => r.name))]);
    for (const n of names) await teacher.page.locator(`main input[name="${n}"]`).first().check();
  };
  await answerAll();
  await teacher.go(() => teacher.page.click('main form.quiz button[type=submit]'));
  await teacher.go(href);
  await teacher.expectText('Đã làm bài kiểm tra đầu vào');
  await teacher.page.fill('#code', `${code.slice(0, 3)} ${code.slice(3)}`);
  await teacher.go(() => teacher.page.click(`main form[action="${href}/diem-danh"] button[type=submit]`));
  await teacher.expectText('Đã điểm danh');
  await teacher.go(() => teacher.page.click(`main a[href="${href}/kiem-tra/sau"]`));
  await answerAll();
  await teacher.go(() => teacher.page.click('main form.quiz button[type=submit]'));
  await teacher.go(href);
  await teacher.expectText('Đã làm bài kiểm tra cuối khóa');
  const [download] = await Promise.all([
    teacher.page.waitForEvent('download', { timeout: 120000 }),
    teacher.page.click(`main a[href="${href}/chung-nhan.pdf"]`),
  ]);
  const file = await download.path();
  const head = fs.readFileSync(file).subarray(0, 5).toString();
  if (head !== '%PDF-' || fs.statSync(file).size < 1000) fail(teacher.where(), `the certificate is not a PDF (${fs.statSync(file).size} bytes)`);
  await teacher.go('/tai-khoan');
  await teacher.expectText('Tập huấn đã tham dự', title);
  const verify = await teacher.page.locator(`main li:has(a[href="${href}"]) a[href^="/chung-nhan/"]`).first().getAttribute('href');
  await teacher.close();

  const anyone = await visitor(browser, 'training-verify', width, null);
  if (!verify) {
    fail(`training @${width}`, 'the account page links no certificate for the training');
  } else {
    await anyone.go(verify);
    await anyone.expectText('là hợp lệ', 'Phạm Thị Lan', title);
  }
  await anyone.close();

  await office.go(href);
  await office.expectText('Kết quả kiểm tra của cả nhóm', 'tự điểm danh bằng mã');
  const teacherId = await office.page.$$eval('main input[name=present]:checked', (cs) => cs.map((c) => c.value));
  if (teacherId.length === 0) fail(office.where(), 'no one is ticked present after the teacher checked in');
  else {
    await office.go(`/nguoi-dung/${teacherId[0]}`);
    await office.expectText('Tập huấn đã tham dự', title);
  }
  await office.close();
}

/// A notice from the office to its schools' principals and teachers, acknowledgment required:
/// the principal and the teacher of the first school open it and acknowledge it; the office
/// sees both readings counted and the list of recipients.
async function noticeAcknowledged(browser, width) {
  const office = await visitor(browser, 'notice-office', width, 'demo.office');
  await office.go('/van-ban/moi');
  const title = `Về việc hưởng ứng tuần lễ an toàn trên mạng (${width} px)`;
  const unit = office.page.locator('#unit_id');
  if ((await unit.inputValue()) === '') await unit.selectOption(await office.page.$eval('#unit_id option:not([value=""])', (o) => o.value));
  await office.page.fill('#title', title);
  await office.page.fill('#body', 'Đề nghị các trường tổ chức cho học sinh tìm hiểu cách giữ an toàn trên mạng.\n\nBáo cáo kết quả về Phòng.');
  await office.page.check('input[name=roles][value=teacher]');
  await office.page.check('input[name=unit_kinds][value=school]');
  await office.page.check('input[name=ack_required]');
  const due = new Date(Date.now() + 7 * 24 * 3600 * 1000 + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, '0');
  await office.page.fill('#due', `${two(due.getUTCDate())}/${two(due.getUTCMonth() + 1)}/${due.getUTCFullYear()}`);
  await office.go(() => office.page.click('main form button[type=submit]'));
  await office.expectText(title, 'Đã gửi thông báo', 'đã đọc 0/');
  const href = new URL(office.page.url()).pathname;
  if (!/^\/van-ban\/\d+$/.test(href)) fail(office.where(), `not the notice's page: ${office.page.url()}`);
  const total = ((await office.text()).match(/đã đọc 0\/(\d+)/) || [])[1];

  for (const who of ['demo.principal', 'demo.teacher']) {
    const reader = await visitor(browser, `notice-${who.split('.')[1]}`, width, who);
    await reader.go('/van-ban?chua_doc=1');
    await reader.go(() => reader.page.click(`main a[href="${href}"]`));
    await reader.expectText(title, 'Báo cáo kết quả về Phòng.');
    await reader.go(() => reader.page.click(`main form[action="${href}/xac-nhan"] button[type=submit]`));
    await reader.expectText('Đã xác nhận');
    await reader.close();
  }

  await office.go(href);
  await office.expectText(`đã đọc 2/${total} · xác nhận 2/${total}`);
  await office.go(() => office.page.click(`main a[href="${href}/nguoi-nhan"]`));
  await office.expectText('Phạm Thị Lan', 'Nguyễn Văn Bình');
  await office.close();
}

/// A home-room teacher invites the parents of a class; a parent joins on a phone with the code
/// from the printed invitation, the teacher writes to the class asking for acknowledgment, the
/// parent reads and acknowledges it on their home page, the teacher sees 1 of 1.
async function parentJoinsClass(browser, width) {
  const teacher = await visitor(browser, 'class-teacher', width, 'demo.teacher');
  await teacher.go('/lop-hoc');
  const school = new URL(teacher.page.url()).pathname;
  const klass = width < 600 ? '2A' : '2B';
  await teacher.page.fill('#class_name', 'lớp hai');
  await teacher.go(() => teacher.page.click('main form button[type=submit]'), { status: 422 });
  await teacher.expectText('ví dụ 4B');
  await teacher.page.fill('#class_name', klass);
  await teacher.go(() => teacher.page.click('main form button[type=submit]'));
  await teacher.expectText(`Mời cha mẹ học sinh lớp ${klass}`, 'Ghi mã lớp');
  const code = (await teacher.page.locator('.invitation-code').innerText()).trim();
  const link = await teacher.page.$eval('main a[href*="/tham-gia?ma="]', (a) => new URL(a.href).pathname + new URL(a.href).search);

  const parent = await visitor(browser, 'class-parent', width, null);
  await parent.go(link);
  await parent.expectText(`lớp ${klass}`);
  const username = `cha.me.${width}`;
  await parent.page.fill('#name', 'Đỗ Thị Hạnh');
  await parent.page.fill('#phone', '0987 654 321');
  // A username someone has: the page says so beside the field and keeps the rest.
  await parent.page.fill('#username', 'demo.teacher');
  await parent.page.fill('#password', 'con đi học về lúc năm giờ');
  await parent.go(() => parent.page.click('main form button[type=submit]'), { status: 422 });
  await parent.expectText('đã có người dùng');
  if ((await parent.page.inputValue('#code')) !== code) fail(parent.where(), 'the code was lost on the way back');
  await parent.page.fill('#username', username);
  await parent.page.fill('#password', 'con đi học về lúc năm giờ');
  await parent.go(() => parent.page.click('main form button[type=submit]'));
  await parent.expectText('Đã tạo tài khoản và vào lớp', `Lớp ${klass}`);

  await teacher.go('/van-ban/moi');
  const title = `Lớp ${klass} tham quan bảo tàng (${width} px)`;
  await teacher.page.fill('#title', title);
  await teacher.page.fill('#body', 'Thứ Sáu tuần này lớp đi tham quan bảo tàng tỉnh.\n\nXin cha mẹ chuẩn bị mũ và nước uống cho con.');
  await teacher.page.check(`input[name=classes][value="${klass}"]`);
  await teacher.page.check('input[name=ack_required]');
  await teacher.go(() => teacher.page.click('main form button[type=submit]'));
  await teacher.expectText(title, 'Đã gửi thông báo', 'đã đọc 0/1');
  const href = new URL(teacher.page.url()).pathname;

  await parent.go('/gia-dinh');
  await parent.expectText(title, 'Mới');
  await parent.go(() => parent.page.click(`main a[href="${href}"]`));
  await parent.expectText('Xin cha mẹ chuẩn bị mũ');
  await parent.go(() => parent.page.click(`main form[action="${href}/xac-nhan"] button[type=submit]`));
  await parent.expectText('Đã xác nhận');
  await parent.close();

  await teacher.go(href);
  await teacher.expectText('đã đọc 1/1 · xác nhận 1/1');
  await teacher.go(`${school}/cha-me?lop=${klass}`);
  await teacher.expectText('Đỗ Thị Hạnh', '0987654321');
  await teacher.close();
}

/// An office connects its messaging provider: a bad address is refused beside its field, the
/// secret Lành Mạng makes is shown once, a test delivery appears in the log.
async function officeConnectsProvider(browser, width) {
  const office = await visitor(browser, 'office-webhook', width, 'demo.office');
  await office.go('/ket-noi');
  await office.expectText('Kết nối dịch vụ tin nhắn', 'Thêm kết nối');
  await office.page.fill('#url', 'ftp://zalo-oa.example.vn/lanhmang');
  await office.go(() => office.page.click('main form button[type=submit]'), { status: 422 });
  await office.expectText('phải bắt đầu bằng https://');
  await office.page.fill('#url', `https://zalo-oa.example.vn/lanhmang-${width}`);
  await office.page.fill('#description', 'Zalo OA của phòng');
  await office.go(() => office.page.click('main form button[type=submit]'));
  await office.expectText('chỉ hiện lần này', 'whsec_');
  const secret = (await office.page.locator('#secret').innerText()).trim();
  if (!secret.startsWith('whsec_')) fail(office.where(), `no secret shown: ${secret}`);
  await office.go(() => office.page.click('main form[action$="/gui-thu"] button[type=submit]'));
  await office.expectText('Đã xếp hàng một lần gửi thử', 'Nhật ký gửi', 'Gửi thử');
  if ((await office.page.content()).includes(secret)) fail(office.where(), 'the secret is shown again');
  await office.go('/ket-noi');
  await office.expectText(`lanhmang-${width}`);
  await office.close();
}

/// A parent without an account reads the guides: from the sign-in page to the resources, the
/// notes for their child's grades, and one guide.
async function parentReadsGuides(browser, width) {
  const parent = await visitor(browser, 'parent-guides', width, null);
  await parent.go('/dang-nhap');
  await parent.go(() => parent.page.click('main a[href="/cha-me"]'));
  await parent.expectText('Cùng con dùng mạng an toàn', 'Tổng đài quốc gia bảo vệ trẻ em 111');
  await parent.go(() => parent.page.click('main a[href="/cha-me?lop=grades_3_5"]'));
  await parent.expectText('Thư gửi cha mẹ theo bài học', 'Lừa đảo trên mạng');
  await parent.go(() => parent.page.click('main a[href="/cha-me/khi-con-bi-bat-nat"]'));
  await parent.expectText('Khi con bị bắt nạt trên mạng', 'Báo cho nhà trường');
  await parent.close();
}

/// A 1×1 PNG: the smallest picture a phone could send.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const SCAN_PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/// A teacher writes a story about a pupil and prints its consent form; the principal records
/// the pupil's signed form and asks the parent in the app; the parent agrees on their phone;
/// the principal approves; the story is on the school's public page and in its feed; the parent
/// withdraws and it is gone (410).
async function storyConsentedPublishedWithdrawn(browser, width) {
  const title = `Bảo Anh và góc «Hỏi trước khi chia sẻ» (${width} px)`;
  const teacher = await visitor(browser, 'story-teacher', width, 'demo.teacher');
  await teacher.go('/cau-chuyen');
  await teacher.go(() => teacher.page.click('main a[href="/cau-chuyen/moi"]'));
  await teacher.page.fill('#title', title);
  await teacher.page.fill('#body', 'Em Vũ Bảo Anh lớp 4A nhắc các bạn hỏi thầy cô trước khi chia sẻ một tin lạ.\n\nCả lớp làm chung một bảng tin nhỏ.');
  await teacher.page.selectOption('#kind_1', 'pupil');
  await teacher.page.fill('#name_1', 'Vũ Bảo Anh');
  // No age for a pupil: refused beside the row, nothing lost.
  await teacher.go(() => teacher.page.click('main form button[type=submit]'), { status: 422 });
  await teacher.expectText('hãy nhập tuổi của học sinh');
  if ((await teacher.page.inputValue('#title')) !== title) fail(teacher.where(), 'the title was lost');
  await teacher.page.fill('#age_1', '9');
  await teacher.go(() => teacher.page.click('main form button[type=submit]'));
  await teacher.expectText('Đã lưu câu chuyện', 'Cần sự đồng ý của cha mẹ và chính em');
  const story = new URL(teacher.page.url()).pathname;
  const [download] = await Promise.all([
    teacher.page.waitForEvent('download'),
    teacher.page.click('main a[href$="/phieu.pdf"]'),
  ]);
  if (!download.suggestedFilename().endsWith('.pdf')) fail(teacher.where(), `consent form named ${download.suggestedFilename()}`);
  await teacher.page.setInputFiles('#photo', { name: 'anh-lop.png', mimeType: 'image/png', buffer: TINY_PNG });
  await teacher.page.fill('#caption', 'Bảng tin của lớp 4A');
  await teacher.go(() => teacher.page.click('main form[action$="/anh"] button[type=submit]'));
  await teacher.expectText('Đã thêm ảnh');
  await teacher.close();

  const principal = await visitor(browser, 'story-principal', width, 'demo.principal');
  await principal.go(story);
  await principal.page.selectOption('#given_by', 'self');
  await principal.page.selectOption('#purpose', 'school_site');
  await principal.page.setInputFiles('#form', { name: 'phieu-bao-anh.pdf', mimeType: 'application/pdf', buffer: SCAN_PDF });
  await principal.go(() => principal.page.click('main form[action$="/dong-y"] button[type=submit]'));
  await principal.expectText('Đã ghi sự đồng ý', 'Phiếu đã ký');
  const ask = principal.page.locator('main form[action$="/hoi-cha-me"] select');
  const option = await ask.locator('option', { hasText: 'Hoàng Văn Nam' }).getAttribute('value');
  await ask.selectOption(option);
  await principal.go(() => principal.page.click('main form[action$="/hoi-cha-me"] button[type=submit]'));
  await principal.expectText('Đã gửi đề nghị', 'cần sự đồng ý của cha mẹ');

  const parent = await visitor(browser, 'story-parent', width, 'demo.parent');
  await parent.go('/gia-dinh');
  await parent.expectText(title, 'Chờ anh/chị trả lời');
  await parent.go(() => parent.page.click(`main a[href^="/gia-dinh/cau-chuyen/"] >> text=${title}`));
  await parent.expectText('Cả lớp làm chung một bảng tin nhỏ.');
  await parent.go(() => parent.page.click('main form:has(input[value="school_site"]) button[type=submit]'));
  await parent.expectText('Đã ghi sự đồng ý', 'Anh/chị đã đồng ý');

  await principal.go(story);
  await principal.go(() => principal.page.click('main form[action$="/dang"]:has(input[value="school_site"]) button[type=submit]'));
  await principal.expectText('Đã duyệt đăng', 'Đang đăng');
  await principal.close();

  const reader = await visitor(browser, 'story-public', width, null);
  await reader.go('/trang/TH-ANBINH');
  await reader.expectText(title, 'Gửi phản ánh');
  await reader.go(() => reader.page.click(`main a >> text=${title}`));
  await reader.expectText('Cả lớp làm chung một bảng tin nhỏ.');
  const published = new URL(reader.page.url()).pathname;
  const feed = await (await reader.page.request.get(`${BASE}/trang/TH-ANBINH/tin.atom`)).text();
  if (!feed.includes(published)) fail(reader.where(), 'the story is not in the feed');

  await parent.go(() => parent.page.click('main form[action*="/rut"] button[type=submit]'));
  await parent.expectText('Đã rút lại sự đồng ý');
  await parent.close();
  await reader.go(published, { status: 410 });
  await reader.go('/trang/TH-ANBINH');
  if ((await reader.text()).includes(title)) fail(reader.where(), 'the withdrawn story is still listed');
  await reader.go('/trang/VHXH-ANBINH');
  await reader.expectText('Câu chuyện đẹp');
  await reader.go('/trang/TH-ANBINH/cong-khai');
  await reader.expectText('Thông tư 09/2024/TT-BGDĐT');
  await reader.close();
}

/// Pages work without script: sign in and read the dashboard with JavaScript off.
async function withoutScript(browser, width) {
  const v = await visitor(browser, 'no-script', width, 'demo.office', { script: false });
  await v.go('/ke-hoach');
  await v.expectText('Kế hoạch');
  await v.close();
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const journeys = [
    ['every menu page', everyMenuPage, [360, 1280]],
    ['principal writes the school plan', principalWritesSchoolPlan, [360]],
    ['yearly report', yearlyReport, [360]],
    ['teacher activity', teacherActivity, [360, 1280]],
    ['website finding', webadminFinding, [360]],
    ['bad website address', officeBadAddress, [360, 1280]],
    ['news without diacritics', newsWithoutDiacritics, [360, 1280]],
    ['keyboard only', keyboardOnly, [1280]],
    ['without script', withoutScript, [360]],
    ['public report answered', publicReportAnswered, [360, 1280]],
    ['exploitation alerts the lead', exploitationAlertsTheLead, [360]],
    ['clarification published', clarificationPublished, [360, 1280]],
    ['category added', categoryAdded, [360, 1280]],
    ['working time saved', workingTimeSaved, [360, 1280]],
    ['evidence and a link', evidenceAndLink, [360, 1280]],
    ['class session', classSession, [360]],
    ['office adapts a lesson', officeAdaptsLesson, [360, 1280]],
    ['training with tests and a certificate', trainingWithTestsAndCertificate, [360, 1280]],
    ['notice acknowledged', noticeAcknowledged, [360, 1280]],
    ['parent reads the guides', parentReadsGuides, [360, 1280]],
    ['parent joins a class', parentJoinsClass, [360, 1280]],
    ['office connects its messaging provider', officeConnectsProvider, [360, 1280]],
    ['story consented, published and withdrawn', storyConsentedPublishedWithdrawn, [360, 1280]],
    // Last: a new published plan becomes the first in every list.
    ['office publishes a plan', officePublishesPlan, [360]],
  ];
  // E2E_ONLY=«part of a name» runs only the journeys whose name contains it (while working on one).
  const only = process.env.E2E_ONLY || '';
  let runs = 0;
  for (const [name, journey, widths] of journeys.filter(([n]) => n.includes(only))) {
    for (const width of widths) {
      console.log(`journey: ${name} @${width}`);
      try {
        await journey(browser, width);
      } catch (e) {
        fail(`${name} @${width}`, e.stack || String(e));
      }
      runs++;
    }
  }
  await browser.close();

  const heaviest = [...audited].sort((a, b) => b.bytes - a.bytes).slice(0, 5);
  const withoutAxe = audited.filter((p) => !p.axe).length;
  console.log(`\n${runs} journey runs, ${audited.length - withoutAxe} pages audited (axe, console, weight), ${withoutAxe} more without axe.`);
  console.log('Heaviest pages (bytes transferred):');
  for (const p of heaviest) console.log(`  ${p.bytes}\t${p.path} (${p.journey} @${p.width})`);
  const moderate = new Map();
  for (const p of audited) for (const m of p.moderate) moderate.set(m, (moderate.get(m) || 0) + 1);
  console.log(`Moderate axe findings: ${moderate.size === 0 ? 'none' : [...moderate].map(([k, n]) => `${k} on ${n} pages`).join(', ')}`);
  console.log(`Screenshots of each journey's last page: ${OUT}`);
  if (failures.length > 0) {
    console.log(`\n${failures.length} failures:`);
    for (const f of failures) console.log(`  ${f}`);
    process.exit(1);
  }
  console.log('All journeys passed.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
