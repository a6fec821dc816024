// Inputs of the cookie benchmarks, modelled on what large sites send and receive. Random-looking
// parts (ids, tokens, signatures) come from a seeded generator so that every run and every
// machine benchmarks exactly the same strings, and lengths match the real cookies.
import type { SetCookie } from "cookie";
import type { SetCookieInit } from "../src/cookie/index.js";

// mulberry32: tiny, seedable, good enough to make tokens look like tokens (and the shapes of
// bench/scale-kit.ts's sessions).
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(0x5e55_1011);

const HEX = "0123456789abcdef";
const DIGITS = "0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;

function pick(alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet.charAt(Math.floor(random() * alphabet.length));
  return s;
}

const hex = (n: number): string => pick(HEX, n);
const HEX_UPPER = (n: number): string => pick(HEX, n).toUpperCase();
const digits = (n: number): string => pick("123456789", 1) + pick(DIGITS, n - 1);
const alnum = (n: number): string => pick(ALNUM, n);
const b64url = (n: number): string => pick(B64URL, n);
// Standard base64 with padding, as many frameworks put it in cookies unencoded.
const b64 = (n: number): string => pick(B64, n) + "=".repeat((4 - (n % 4)) % 4);
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const jwt = (payload: number, signature: number): string =>
  `eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.eyJ${b64url(payload)}.${b64url(signature)}`;
// URL-encoded base64, as Rails and Express write signed session cookies.
const b64pct = (n: number): string =>
  b64(n).replaceAll("+", "%2B").replaceAll("/", "%2F").replaceAll("=", "%3D");

const header = (...pairs: string[]): string => pairs.join("; ");

// Third-party cookies that ride along on most big sites.
const googleAnalytics = (): string[] => [
  `_ga=GA1.1.${digits(10)}.${digits(10)}`,
  `_ga_${pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}=GS1.1.${digits(10)}.7.1.${digits(10)}.0.0.0`,
  `_gid=GA1.2.${digits(9)}.${digits(10)}`,
  `_gcl_au=1.1.${digits(10)}.${digits(10)}`,
];
const facebookPixel = (): string => `_fbp=fb.1.${digits(13)}.${digits(10)}`;
const oneTrust = (): string[] => [
  "OptanonAlertBoxClosed=2024-01-15T10:22:33.123Z",
  `OptanonConsent=isGpcEnabled=0&datestamp=Mon+Jan+15+2024+11%3A22%3A33+GMT%2B0100+(Central+European+Standard+Time)&version=202310.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=${uuid()}&interactionCount=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A0&geolocation=DE%3BBE&AwaitingReconsent=false`,
];
// IAB TCF v2 consent strings are a few hundred characters of base64url.
const tcfConsent = (): string =>
  `euconsent-v2=CP${b64url(20)}.${b64url(420)}.II7Nd_X__bX9n-_7_6ft0eY1f9_r37uQzDhfNs-8F3L_W_LwX32E7NF36tq4KmR4ku1bBIQNtHMnUDUmxaolVrzHsak2cpyNKJ_JkknsZe2dYGF9Pn9lD-YKZ7_5_9_f52T_9_9_-39z3_9f___dv_-__-vjf_599n_v9fV_78_Kf9______-____________8A`;
const hotjar = (): string[] => [
  `_hjSessionUser_${digits(7)}=eyJpZCI6I${b64url(110)}`,
  `_hjSession_${digits(7)}=eyJpZCI6I${b64url(130)}`,
];
const mixpanel = (): string =>
  `mp_${hex(32)}_mixpanel=%7B%22distinct_id%22%3A%20%22${uuid()}%22%2C%22%24device_id%22%3A%20%22${hex(14)}-${hex(15)}-${hex(8)}-${hex(6)}%22%2C%22%24initial_referrer%22%3A%20%22%24direct%22%2C%22%24initial_referring_domain%22%3A%20%22%24direct%22%7D`;
const segment = (): string[] => [`ajs_anonymous_id=%22${uuid()}%22`, `ajs_user_id=${digits(8)}`];
const cloudflare = (): string[] => [
  `__cf_bm=${b64url(43)}-1705314153-1.0.1.1-${b64url(86)}`,
  `_cfuvid=${b64url(43)}-1705314153123-0.0.1.1-604800000`,
];
const googleSession = (): string[] => [
  `SID=g.a000${b64url(140)}`,
  `__Secure-1PSID=g.a000${b64url(140)}`,
  `__Secure-3PSID=g.a000${b64url(140)}`,
  `HSID=A${b64url(16)}`,
  `SSID=A${b64url(16)}`,
  `APISID=${b64url(16)}/${b64url(17)}`,
  `SAPISID=${b64url(16)}/${b64url(17)}`,
  `__Secure-1PAPISID=${b64url(16)}/${b64url(17)}`,
  `__Secure-3PAPISID=${b64url(16)}/${b64url(17)}`,
];

/** Request `Cookie` headers as browsers send them to large sites: 28 headers. */
export const COOKIE_HEADERS: readonly string[] = [
  // google.com, signed in
  header(
    `AEC=Ae3NU9${b64url(70)}`,
    `NID=511=${b64url(220)}`,
    ...googleSession(),
    "SEARCH_SAMESITE=CgQIvZkB",
    "1P_JAR=2024-01-15-10",
    `__Secure-1PSIDTS=sidts-CjIB${b64url(80)}`,
    `__Secure-3PSIDTS=sidts-CjIB${b64url(80)}`,
    `SIDCC=ABTWhQ${b64url(70)}`,
    `__Secure-1PSIDCC=ABTWhQ${b64url(70)}`,
    `__Secure-3PSIDCC=ABTWhQ${b64url(70)}`,
    "OTZ=7391125_34_34__34_",
    "SOCS=CAISHAgBEhJnd3NfMjAyNDAxMDktMF9SQzIaAmRlIAEaBgiA_pCtBg",
  ),
  // youtube.com
  header(
    `VISITOR_INFO1_LIVE=${b64url(11)}`,
    "VISITOR_PRIVACY_METADATA=CgJERRIEEgAgGA%3D%3D",
    `YSC=${b64url(11)}`,
    "PREF=f6=40000000&tz=Europe.Berlin&f7=100&f5=30000",
    `LOGIN_INFO=AFmmF2swRQIg${b64url(60)}:QUQ3MjNmeF${b64url(150)}`,
    ...googleSession(),
    "wide=1",
  ),
  // amazon.com: quoted base64 values
  header(
    `session-id=${digits(3)}-${digits(7)}-${digits(7)}`,
    "session-id-time=2082787201l",
    "i18n-prefs=USD",
    `ubid-main=${digits(3)}-${digits(7)}-${digits(7)}`,
    `x-main="${b64(40)}"`,
    `at-main=Atza|${b64url(300)}`,
    `sess-at-main="${b64(43)}"`,
    `sst-main=Sst1|${b64url(300)}`,
    "lc-main=en_US",
    'sp-cdn="L5Z9:DE"',
    "skin=noskin",
    `session-token="${b64(330)}"`,
    `csm-hit=tb:s-${alnum(20).toUpperCase()}|1705314153123&t:1705314153500&adb:adblk_no`,
  ),
  // facebook.com: percent-encoded JSON
  header(
    `datr=${b64url(24)}`,
    `sb=${b64url(24)}`,
    `c_user=1000${digits(11)}`,
    `xs=12%3A${b64url(14)}%3A2%3A1705314153%3A-1%3A11331%3A%3AAcV${b64url(40)}`,
    `fr=1${b64url(20)}.AWV${b64url(30)}.BlpQ${b64url(4)}.Gs.AAA.0.0.BlpQ${b64url(4)}.AWV${b64url(10)}`,
    "wd=1920x969",
    "dpr=2",
    "locale=en_US",
    "presence=C%7B%22t3%22%3A%5B%5D%2C%22utc3%22%3A1705314153123%2C%22v%22%3A1%7D",
  ),
  // x.com: quoted value, double-encoded Rails session
  header(
    `guest_id=v1%3A1705314153${digits(8)}`,
    `guest_id_marketing=v1%3A1705314153${digits(8)}`,
    `guest_id_ads=v1%3A1705314153${digits(8)}`,
    `personalization_id="v1_${b64(22)}"`,
    `kdt=${alnum(40)}`,
    `auth_token=${hex(40)}`,
    `ct0=${hex(160)}`,
    `twid=u%3D${digits(19)}`,
    "lang=en",
    "d_prefs=MjoxLGNvbnNlbnRfdmVyc2lvbjoyLHRleHRfdmVyc2lvbjoxMDAw",
    "des_opt_in=Y",
    `_twitter_sess=BAh7CSIKZmxhc2hJQzonQWN0aW9uQ29udHJvbGxlcjo6Rmxhc2g6OkZsYXNo%250ASGFzaHsABjoKQHVzZWR7ADoPY3JlYXRlZF9hdGwrCHcx9Td9AToMY3NyZl9p%250A${b64url(60)}%253D%253D--${hex(40)}`,
  ),
  // linkedin.com: quoted values that contain "=" and ":"
  header(
    `bcookie="v=2&${uuid()}"`,
    `bscookie="v=1&20240115102233${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}AQH${b64url(30)}"`,
    `li_at=AQEDA${b64url(160)}`,
    `JSESSIONID="ajax:${digits(19)}"`,
    `lidc="b=VB23:s=V:r=V:a=V:p=V:g=4321:u=1:x=1:i=1705314153:t=1705400553:v=2:sig=AQF${b64url(28)}"`,
    "lang=v=2&lang=en-us",
    "li_theme=light",
    "li_theme_set=app",
    "timezone=Europe/Berlin",
    `li_sugr=${uuid()}`,
    `UserMatchHistory=AQ${b64url(120)}`,
    `AnalyticsSyncHistory=AQ${b64url(90)}`,
    `lms_ads=AQ${b64url(90)}`,
    `lms_analytics=AQ${b64url(90)}`,
    `li_mc=MTsyMTsxNzA1MzE0MTUzOzI7MDIx${b64url(40)}`,
    "liap=true",
    `fptctx2=taBcrIH61PuCVH7eNCyH0APzNoEiOrOqF4FbdtfiWWL1xLSnGDbKvbqAwrNPeXtqiXRJBAn8cj3TZ4ov${b64url(200)}%252bRmw%253d%253d`,
  ),
  // github.com: JSON in percent-encoding, Rails session
  header(
    `_octo=GH1.1.${digits(9)}.${digits(10)}`,
    "logged_in=yes",
    `_device_id=${hex(32)}`,
    `user_session=${b64url(48)}`,
    "__Host-user_session_same_site=same",
    "dotcom_user=octocat",
    "color_mode=%7B%22color_mode%22%3A%22auto%22%2C%22light_theme%22%3A%7B%22name%22%3A%22light%22%2C%22color_mode%22%3A%22light%22%7D%2C%22dark_theme%22%3A%7B%22name%22%3A%22dark%22%2C%22color_mode%22%3A%22dark%22%7D%7D",
    "preferred_color_mode=dark",
    "tz=Europe%2FBerlin",
    `saved_user_sessions=${digits(7)}%3A${b64url(48)}`,
    "has_recent_activity=1",
    `_gh_sess=${b64pct(600)}--${hex(40)}`,
  ),
  // reddit.com: JWT, raw JSON with quotes
  header(
    `loid=000000000${alnum(10)}.2.1705314153123.Z0FBQUFBQmxw${b64url(120)}`,
    `edgebucket=${alnum(18)}`,
    "csv=2",
    `token_v2=${jwt(520, 342)}`,
    `session_tracker=${alnum(20)}.0.1705314153123.Z0FBQUFBQmxw${b64url(120)}`,
    `reddit_session=${digits(8)}%2C2024-01-15T10%3A22%3A33%2C${hex(40)}`,
    "eu_cookie={%22opted%22:true%2C%22nonessential%22:false}",
    "theme=2",
    'g_state={"i_l":0}',
  ),
  // en.wikipedia.org
  header(
    "GeoIP=DE:BE:Berlin:52.52:13.40:v4",
    `enwikimwuser-sessionId=${hex(20)}`,
    "WMF-Last-Access=15-Jan-2024",
    "WMF-Last-Access-Global=15-Jan-2024",
    "NetworkProbeLimit=0.001",
    "enwikiUserName=Example",
    `enwikiUserID=${digits(8)}`,
    "centralauth_User=Example",
    `centralauth_Token=${hex(32)}`,
    `centralauth_Session=${hex(32)}`,
    `enwiki_session=${hex(32)}`,
  ),
  // bing.com: "&"-separated sub-values
  header(
    `MUID=${HEX_UPPER(32)}`,
    `MUIDB=${HEX_UPPER(32)}`,
    "_EDGE_V=1",
    "SRCHD=AF=NOFORM",
    `SRCHUID=V=2&GUID=${HEX_UPPER(32)}&dmnchg=1`,
    "SRCHUSR=DOB=20240115&T=1705314153000",
    `_SS=SID=${HEX_UPPER(32)}&R=0&RB=0&GB=0&RG=200&RP=0`,
    `SRCHHPGUSR=SRCHLANG=de&IG=${HEX_UPPER(32)}&PV=10.0.0&BRW=XW&BRH=M&CW=1920&CH=969&SCW=1905&SCH=3000&DPR=1.0&UTC=60&DM=0`,
    `_HPVN=CS=eyJQbiI6eyJDbiI6MSwiU3QiOjAsIlFzIjowLCJQcm9kIjoiUCJ9${b64(60)}`,
    `ANON=A=${HEX_UPPER(24)}&E=1d3b&W=1`,
    "MSCC=NR",
    `_EDGE_S=F=1&SID=${HEX_UPPER(32)}&mkt=de-de`,
  ),
  // a Shopify storefront, with the usual marketing stack
  header(
    `_shopify_y=${uuid()}`,
    `_shopify_s=${uuid()}`,
    "_orig_referrer=https%3A%2F%2Fwww.google.com%2F",
    "_landing_page=%2Fproducts%2Fexample-shirt%3Fvariant%3D4412345678901",
    `cart=${hex(32)}`,
    `cart_sig=${hex(32)}`,
    "cart_ts=1705314153",
    "cart_currency=EUR",
    "secure_customer_sig=",
    "localization=DE",
    "_tracking_consent=%7B%22con%22%3A%7B%22CMP%22%3A%7B%22a%22%3A%22%22%2C%22m%22%3A%22%22%2C%22p%22%3A%22%22%2C%22s%22%3A%22%22%7D%7D%2C%22v%22%3A%222.1%22%2C%22region%22%3A%22DEBE%22%2C%22reg%22%3A%22GDPR%22%7D",
    `keep_alive=${uuid()}`,
    ...googleAnalytics(),
    facebookPixel(),
    `__kla_id=eyJjaWQiOiJ${b64(120)}`,
  ),
  // a news site: TCF consent and a wall of ad cookies
  header(
    `nyt-a=${b64url(22)}`,
    "nyt-gdpr=1",
    "nyt-purr=cfhhcfhhhukfhufshgas2fdnd",
    "nyt-geo=DE",
    tcfConsent(),
    ...googleAnalytics(),
    facebookPixel(),
    `__gads=ID=${hex(16)}:T=1705314153:RT=1705314153:S=ALNI_M${b64url(30)}`,
    `__gpi=UID=00000d${hex(10)}:T=1705314153:RT=1705314153:S=ALNI_M${b64url(30)}`,
    `__eoi=ID=${hex(16)}:T=1705314153:RT=1705314153:S=AA-Afj${b64url(24)}`,
    `_cb=${b64url(14)}`,
    `_chartbeat2=.1705314153123.1705314153123.1.${b64url(24)}.1`,
    `datadome=${b64url(120)}~`,
    "nyt-jkidd=uid=0&lastRequest=1705314153123&activeDays=%5B0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C0%2C1%5D&adv=1&a7dv=1&a14dv=1&a21dv=1&lastKnownType=anon&newsStartDate=&entitlements=",
  ),
  // a Next.js SaaS app: JWE session, analytics, an empty Intercom value
  header(
    `__Host-next-auth.csrf-token=${hex(64)}%7C${hex(64)}`,
    "__Secure-next-auth.callback-url=https%3A%2F%2Fapp.example.com%2Fdashboard",
    `__Secure-next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..${b64url(16)}.${b64url(700)}.${b64url(22)}`,
    ...segment(),
    `intercom-id-${alnum(8).toLowerCase()}=${uuid()}`,
    `intercom-session-${alnum(8).toLowerCase()}=`,
    `intercom-device-id-${alnum(8).toLowerCase()}=${uuid()}`,
    mixpanel(),
    ...hotjar(),
    `__stripe_mid=${uuid()}${hex(6)}`,
    `__stripe_sid=${uuid()}${hex(6)}`,
  ),
  // stackoverflow.com
  header(
    `prov=${uuid()}`,
    ...oneTrust(),
    ...googleAnalytics(),
    `acct=t=${b64url(32)}&s=${b64url(32)}`,
    `sgt=id=${uuid()}`,
    `__qca=P0-${digits(9)}-${digits(13)}`,
  ),
  // a travel site: consent as an encoded query string
  header(
    `bkng=11UmFuZG9tSVYkc2RlIyh9Yaa${b64url(180)}`,
    `bkng_sso_session=${b64(200)}`,
    `pcm_consent=analytical%3Dtrue%26countryCode%3DDE%26consentId%3D${uuid()}%26consentedAt%3D2024-01-15T10%3A22%3A33.123Z%26expiresAt%3D2024-07-13T10%3A22%3A33.123Z%26implicit%3Dfalse%26marketing%3Dfalse%26regionCode%3DBE%26regulation%3Dgdpr%26legacyRegulation%3Dgdpr`,
    "BJS=-",
    `_pxhd=${b64(64)}:${uuid()}`,
    "cors_js=1",
    `aws-waf-token=${uuid()}:${b64(100)}`,
    ...cloudflare(),
    ...googleAnalytics(),
  ),
  // an ASP.NET Core app behind Azure App Service: a chunked auth cookie
  header(
    ".AspNetCore.Cookies=chunks-2",
    `.AspNetCore.CookiesC1=CfDJ8${b64url(1800)}`,
    `.AspNetCore.CookiesC2=${b64url(900)}`,
    `.AspNetCore.Antiforgery.${b64url(11)}=CfDJ8${b64url(150)}`,
    `ARRAffinity=${hex(64)}`,
    `ARRAffinitySameSite=${hex(64)}`,
    `ai_user=${b64url(21)}|2024-01-15T10:22:33.123Z`,
    `ai_session=${b64url(21)}|1705314153123|1705314153123`,
  ),
  // a retailer on Adobe Experience Cloud
  header(
    `AMCV_${HEX_UPPER(24)}%40AdobeOrg=-1124106680%7CMCIDTS%7C19737%7CMCMID%7C${digits(38)}%7CMCAAMLH-1705918953%7C6%7CMCAAMB-1705918953%7C${b64url(70)}%7CMCOPTOUT-1705321353s%7CNONE%7CvVersion%7C5.2.0`,
    `AMCVS_${HEX_UPPER(24)}%40AdobeOrg=1`,
    "s_cc=true",
    "s_sq=%5B%5BB%5D%5D",
    `s_ecid=MCMID%7C${digits(38)}`,
    `mbox=session#${hex(32)}#1705316013|PC#${hex(32)}.37_0#1768559013`,
    "at_check=true",
    `utag_main=v_id:018d0b${hex(36)}$_sn:3$_se:5$_ss:0$_st:1705316013123$ses_id:1705314153123%3Bexp-session$_pn:2%3Bexp-session`,
    ...oneTrust(),
  ),
  // a site behind Akamai Bot Manager and Cloudflare
  header(
    `_abck=${HEX_UPPER(32)}~-1~YAAQ${b64(300)}~-1~-1~-1`,
    `bm_sz=${HEX_UPPER(32)}~YAAQ${b64(200)}~${digits(7)}~${digits(7)}`,
    `ak_bmsc=${HEX_UPPER(32)}~000000000000000000000000000000~YAAQ${b64(400)}`,
    `bm_sv=${HEX_UPPER(32)}~YAAQ${b64(150)}~1`,
    ...cloudflare(),
    `cf_clearance=${b64url(43)}-1705314153-0-1-${hex(8)}.${hex(8)}.${hex(8)}-0.2.1705314153`,
  ),
  // WordPress, signed in
  header(
    `wordpress_logged_in_${hex(32)}=admin%7C1705486953%7C${b64url(43)}%7C${hex(64)}`,
    "wordpress_test_cookie=WP%20Cookie%20check",
    "wp-settings-1=libraryContent%3Dbrowse%26editor%3Dtinymce%26mfold%3Do",
    "wp-settings-time-1=1705314153",
    `PHPSESSID=${alnum(26).toLowerCase()}`,
  ),
  // Django: a quoted value with backslash escapes, as SimpleCookie writes it
  header(
    `csrftoken=${alnum(32)}`,
    `sessionid=${alnum(32).toLowerCase()}`,
    "django_language=de",
    `messages="${hex(40)}$[[\\"__json_message\\"\\0540\\05425\\054\\"Profile saved.\\"]]:1rPQ0j:${b64url(43)}"`,
  ),
  // Rails with Devise
  header(
    `_app_session=${b64pct(400)}--${hex(40)}`,
    `remember_user_token=eyJfcmFpbHMiOnsibWVzc2FnZSI6IlcxdGRYU3dpSkRKaEpERXdKRzAy${b64(160)}--${hex(40)}`,
    ...googleAnalytics(),
  ),
  // duplicates: a parent-domain cookie and a tossed one share names with host cookies
  header(
    `sid=${b64url(43)}`,
    "theme=dark",
    `_ga=GA1.1.${digits(10)}.${digits(10)}`,
    `csrftoken=${alnum(32)}`,
    `sid=${b64url(43)}`,
    `_ga=GA1.2.${digits(10)}.${digits(10)}`,
    `csrftoken=${alnum(32)}`,
    "lang=en",
  ),
  // a small mobile web app
  header("locale=en-US", "tz=America%2FNew_York", `sid=${b64url(32)}`),
  // Spring Boot with Spring Session
  header(
    `JSESSIONID=${HEX_UPPER(32)}`,
    `XSRF-TOKEN=${uuid()}`,
    `SESSION=${b64(48)}`,
    ...googleAnalytics(),
  ),
  // Atlassian cloud, behind an AWS load balancer
  header(
    `atlassian.xsrf.token=${hex(40)}_lin`,
    `cloud.session.token=${jwt(900, 342)}`,
    `tenant.session.token=${jwt(600, 342)}`,
    ...segment(),
    "__awc_tld_test__=tld_test",
    `AWSALB=${b64(140)}`,
    `AWSALBCORS=${b64(140)}`,
  ),
  // Salesforce: "!" and "$" in names and values
  header(
    `sid=00D5e000000${alnum(4)}!AQ${b64url(2)}AQ${b64url(100)}.${b64url(60)}`,
    `BrowserId=${b64url(22)}`,
    `BrowserId_sec=${b64url(22)}`,
    "CookieConsentPolicy=0:1",
    "LSKey-c$CookieConsentPolicy=0:1",
    `oinfo=c3RhdHVzPUFDVElWRSZ0eXBlPTYmb2lkPTAwRDVl${b64(40)}`,
    "inst=APP_5e",
    `disco=5e:00D5e000000${alnum(4)}:0055e000000${alnum(4)}:0|`,
    "autocomplete=1",
    `sid_Client=${alnum(20)}`,
  ),
  // tiktok.com
  header(
    `ttwid=1%7C${b64url(43)}%7C1705314153%7C${hex(64)}`,
    `tt_chain_token=${b64(24)}`,
    `msToken=${b64url(148)}`,
    `tt_csrf_token=${b64url(12)}-${b64url(20)}`,
    `s_v_web_id=verify_${alnum(8).toLowerCase()}_${alnum(8)}_${alnum(4)}_${alnum(4)}_${alnum(4)}_${alnum(12)}`,
    `passport_csrf_token=${hex(32)}`,
    `odin_tt=${hex(128)}`,
    `sessionid=${hex(32)}`,
    `sid_guard=${hex(32)}%7C1705314153%7C5184000%7CSat%2C+16-Mar-2024+10%3A22%3A33+GMT`,
  ),
  // a modern app with prefixed cookies only
  header(`__Host-session=${b64url(43)}`, `__Secure-csrf=${b64url(43)}`, "theme=dark", "lang=en"),
  // a typical marketing site: only tracking and consent
  header(
    ...oneTrust(),
    ...googleAnalytics(),
    facebookPixel(),
    ...hotjar(),
    tcfConsent(),
    `_uetsid=${hex(32)}`,
    `_uetvid=${hex(32)}`,
    `_clck=${b64url(6)}%7C2%7Cfif%7C0%7C1476`,
    `_clsk=${b64url(7)}%7C1705314153123%7C1%7C1%7Cy.clarity.ms%2Fcollect`,
  ),
];

/** `name=value` pairs of realistic lengths, for the 10- and 100-cookie headers. */
export function cookieHeaderOf(count: number): string {
  const pairs: string[] = [];
  for (let i = 0; i < count; i++) {
    pairs.push(`cookie_${i}=${b64url(8 + Math.floor(random() * 40))}`);
  }
  return header(...pairs);
}

/** Response `Set-Cookie` lines as large sites and common frameworks write them: 32 lines. */
export const SET_COOKIE_LINES: readonly string[] = [
  // google.com: "-"-separated dates, lower-case attributes
  `NID=511=${b64url(220)}; expires=Tue, 16-Jul-2024 10:22:33 GMT; path=/; domain=.google.com; HttpOnly`,
  `AEC=Ae3NU9${b64url(70)}; expires=Sat, 13-Jul-2024 10:22:33 GMT; path=/; domain=.google.com; Secure; HttpOnly; SameSite=lax`,
  `__Secure-ENID=17.SE=${b64url(140)}; expires=Sat, 15-Feb-2025 02:40:51 GMT; path=/; domain=.google.com; Secure; HttpOnly; SameSite=lax`,
  "CONSENT=PENDING+987; expires=Wed, 14-Jan-2026 10:22:33 GMT; path=/; domain=.google.com; Secure",
  "1P_JAR=2024-01-15-10; expires=Wed, 14-Feb-2024 10:22:33 GMT; path=/; domain=.google.com; Secure; SameSite=none",
  // amazon.com
  `session-id=${digits(3)}-${digits(7)}-${digits(7)}; Domain=.amazon.com; Expires=Wed, 15-Jan-2025 10:22:33 GMT; Path=/; Secure`,
  "session-id-time=2082787201l; Domain=.amazon.com; Expires=Wed, 15-Jan-2025 10:22:33 GMT; Path=/; Secure",
  "i18n-prefs=USD; Domain=.amazon.com; Expires=Wed, 15-Jan-2025 10:22:33 GMT; Path=/",
  'sp-cdn="L5Z9:DE"; Version=1; Domain=.amazon.com; Max-Age=31536000; Expires=Wed, 15-Jan-2025 10:22:33 GMT; Path=/; Secure; HttpOnly',
  // facebook.com
  `fr=1${b64url(20)}.AWV${b64url(30)}.BlpQ${b64url(4)}.Gs.AAA.0.0.BlpQ${b64url(4)}.AWV${b64url(10)}; expires=Sun, 14-Apr-2024 10:22:33 GMT; Max-Age=7776000; path=/; domain=.facebook.com; secure; httponly; SameSite=None`,
  `sb=${b64url(24)}; expires=Fri, 14-Feb-2025 10:22:33 GMT; Max-Age=34560000; path=/; domain=.facebook.com; secure; httponly; SameSite=None`,
  // x.com: percent-encoded value, a quoted one
  `guest_id=v1%3A1705314153${digits(8)}; Max-Age=34214400; Expires=Fri, 14 Feb 2025 10:22:33 GMT; Path=/; Domain=.x.com; Secure; SameSite=None`,
  `personalization_id="v1_${b64(22)}"; Max-Age=34214400; Expires=Fri, 14 Feb 2025 10:22:33 GMT; Path=/; Domain=.x.com; Secure; SameSite=None`,
  // linkedin.com
  `bcookie="v=2&${uuid()}"; domain=.linkedin.com; Path=/; Secure; Expires=Wed, 15-Jan-2025 10:22:33 GMT; SameSite=None`,
  `lidc="b=VB23:s=V:r=V:a=V:p=V:g=4321:u=1:x=1:i=1705314153:t=1705400553:v=2:sig=AQF${b64url(28)}"; Expires=Tue, 16 Jan 2024 10:22:33 GMT; domain=.linkedin.com; Path=/; SameSite=None; Secure`,
  // github.com
  `_gh_sess=${b64pct(600)}--${hex(40)}; path=/; secure; HttpOnly; SameSite=Lax`,
  `_octo=GH1.1.${digits(9)}.${digits(10)}; Path=/; Domain=github.com; Expires=Wed, 15 Jan 2025 10:22:33 GMT; Secure; SameSite=Lax`,
  "logged_in=no; Path=/; Domain=github.com; Expires=Wed, 15 Jan 2025 10:22:33 GMT; HttpOnly; Secure; SameSite=Lax",
  // bing.com: Priority, a trailing semicolon
  `MUID=${HEX_UPPER(32)}; domain=.bing.com; expires=Sat, 08-Feb-2025 10:22:33 GMT; path=/; SameSite=None; Secure; Priority=High;`,
  // reddit.com: a JWT, Secure twice
  `token_v2=${jwt(520, 342)}; Domain=reddit.com; Max-Age=86399; Path=/; expires=Tue, 16-Jan-2024 10:22:32 GMT; secure; SameSite=None; Secure`,
  // Cloudflare: a two-digit year
  `__cf_bm=${b64url(43)}-1705314153-1.0.1.1-${b64url(86)}; path=/; expires=Mon, 15-Jan-24 10:52:33 GMT; domain=.example.com; HttpOnly; Secure; SameSite=None`,
  `_cfuvid=${b64url(43)}-1705314153123-0.0.1.1-604800000; path=/; domain=.example.com; HttpOnly; Secure; SameSite=None`,
  // AWS Application Load Balancer: base64 with "+" and "/"
  `AWSALB=${b64(140)}; Expires=Mon, 22 Jan 2024 10:22:33 GMT; Path=/`,
  `AWSALBCORS=${b64(140)}; Expires=Mon, 22 Jan 2024 10:22:33 GMT; Path=/; SameSite=None; Secure`,
  // frameworks
  `connect.sid=s%3A${b64url(32)}.${b64pct(43)}; Path=/; Expires=Tue, 16 Jan 2024 10:22:33 GMT; HttpOnly; Secure; SameSite=Strict`,
  `csrftoken=${alnum(32)}; expires=Mon, 13 Jan 2025 10:22:33 GMT; Max-Age=31449600; Path=/; SameSite=Lax; Secure`,
  `sessionid=${alnum(32).toLowerCase()}; expires=Mon, 29 Jan 2024 10:22:33 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure`,
  `PHPSESSID=${alnum(26).toLowerCase()}; path=/; secure; HttpOnly; SameSite=Lax`,
  `JSESSIONID=${HEX_UPPER(32)}; Path=/app; Secure; HttpOnly`,
  `.AspNetCore.Antiforgery.${b64url(11)}=CfDJ8${b64url(150)}; path=/; samesite=strict; httponly`,
  // a deletion, and a partitioned (CHIPS) cookie
  "logged_out_marketing_header_id=; Max-Age=0; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT",
  `__Host-embed=${uuid()}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned`,
];

/**
 * The options both serializers accept: SameSite and Priority in lower case, values of
 * characters encodeURIComponent leaves alone, so that `cookie` writes the same bytes as ours.
 */
export type SharedSetCookie = SetCookieInit & SetCookie;

// A fixed instant: the output must not depend on when the benchmark runs.
const IN_A_YEAR = new Date(Date.UTC(2026, 0, 15, 10, 22, 33));

/** Cookies as session, CSRF and analytics code sets them: 12 objects. */
export const SET_COOKIE_INITS: readonly SharedSetCookie[] = [
  {
    name: "__Host-sid",
    value: b64url(43),
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "lax",
  },
  {
    name: "csrftoken",
    value: alnum(32),
    maxAge: 31449600,
    expires: IN_A_YEAR,
    path: "/",
    secure: true,
    sameSite: "lax",
  },
  {
    name: "sessionid",
    value: alnum(32).toLowerCase(),
    maxAge: 1209600,
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "lax",
  },
  {
    name: "_ga",
    value: `GA1.1.${digits(10)}.${digits(10)}`,
    domain: "example.com",
    path: "/",
    maxAge: 63072000,
    expires: IN_A_YEAR,
  },
  {
    name: "token",
    value: jwt(520, 342),
    path: "/api",
    secure: true,
    httpOnly: true,
    sameSite: "strict",
  },
  {
    name: "logged_in",
    value: "yes",
    domain: "github.com",
    path: "/",
    expires: IN_A_YEAR,
    secure: true,
    httpOnly: true,
    sameSite: "lax",
  },
  {
    name: "old_session",
    value: "",
    path: "/",
    maxAge: 0,
    expires: new Date(0),
  },
  {
    name: "__Host-embed",
    value: uuid(),
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "none",
    partitioned: true,
  },
  {
    name: "i18n-prefs",
    value: "USD",
    domain: "amazon.com",
    path: "/",
    expires: IN_A_YEAR,
  },
  {
    name: "remember_me",
    value: `${digits(8)}.${b64url(64)}`,
    maxAge: 2592000,
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "lax",
    priority: "high",
  },
  {
    name: "ab_test",
    value: "checkout-v2.variant-b",
    path: "/",
    maxAge: 604800,
  },
  {
    name: "__Secure-consent",
    value: "analytics.marketing.v3",
    domain: "shop.example.com",
    path: "/",
    maxAge: 15552000,
    secure: true,
    sameSite: "lax",
  },
];
