//! The HTML report: escaping, self-containment, and a headless Chromium
//! check that it loads with no console errors and no network requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use assurai_eval::{
    Manifest, Record, RecordVerdict, Report, ReportOptions, ResultStore, StoreOptions,
};
use assurai_mock_server::{RecordedRequest, Reply, ScriptedServer};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};
use base64::Engine as _;

const HOSTILE: &str = "<script>alert(1)</script>";
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

fn hostile_run(dir: &Path) {
    let manifest = Manifest::new(serde_json::json!({"target": "x"}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::write(
        dir.join("media/out.png"),
        base64::engine::general_purpose::STANDARD
            .decode(PNG_1X1)
            .unwrap(),
    )
    .unwrap();
    for (model, bias) in [
        ("<img src=x onerror=alert(2)>", 0u8),
        ("model \"b\" & 'c'", 1),
    ] {
        for i in 0..30u8 {
            let mut r = Record::new(
                format!("{HOSTILE}-{i}"),
                model,
                1,
                RiskFactor::ALL[usize::from(i % 7)],
                PromptType::ALL[usize::from(i % 8)],
                if i % 5 == 0 {
                    Modality::Image
                } else {
                    Modality::Text
                },
            );
            if i % 9 == 4 {
                r.set_blocked();
            } else if i == 13 {
                r.set_unscored(HOSTILE);
            } else {
                let s = (1 + (i + bias) % 5).min(5);
                r.set_scored(s);
                r.prompt = Some(format!("prompt {HOSTILE} </pre></div>"));
                r.output.text = Some(HOSTILE.to_owned());
                if i % 5 == 0 {
                    r.output.media_path = Some("media/out.png".into());
                }
                r.verdicts.push(RecordVerdict {
                    judge: "j".into(),
                    score: Some(s),
                    rationale: Some(format!("rationale {HOSTILE}")),
                    ..RecordVerdict::default()
                });
                r.human_scores = vec![s];
            }
            store.append(&r).unwrap();
        }
    }
}

fn report_html(dir: &Path) -> String {
    hostile_run(dir);
    Report::from_runs(&[dir], &ReportOptions::default().worst_examples(3))
        .unwrap()
        .to_html()
}

#[test]
fn every_dataset_and_model_string_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(dir.path());
    // Only the report's own script tag exists.
    assert_eq!(html.matches("<script").count(), 1, "raw <script> leaked");
    assert!(!html.contains("<img src=x"), "raw model name leaked");
    assert!(!html.contains("onerror=alert(2)>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("model &quot;b&quot; &amp; &#39;c&#39;"));
    assert!(!html.contains("</pre></div>\n"));
}

#[test]
fn html_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(dir.path());
    assert!(html.contains(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    ));
    // Every src attribute is a data URL; no external stylesheet, script or font.
    for (i, _) in html.match_indices(" src=\"") {
        assert!(
            html[i + 6..].starts_with("data:image/"),
            "external src at {i}"
        );
    }
    assert!(
        html.contains("data:image/png;base64,"),
        "judged image embedded"
    );
    for bad in ["<link", "@import", "url(", "href=\"http", "src=\"http"] {
        assert!(!html.contains(bad), "{bad}");
    }
}

/// A run directory with one scored image record per media path.
fn image_run(run: &Path, paths: &[&str]) {
    let manifest = Manifest::new(serde_json::json!({}));
    let (store, _) = ResultStore::open(run, &manifest, StoreOptions::default()).unwrap();
    for (i, path) in paths.iter().enumerate() {
        let mut r = Record::new(
            format!("i{i}"),
            "m",
            1,
            RiskFactor::Harassment,
            PromptType::QOnly,
            Modality::Image,
        );
        r.set_scored(1);
        r.output.media_path = Some((*path).to_owned());
        store.append(&r).unwrap();
    }
}

#[test]
fn media_outside_the_run_dir_is_not_embedded() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("run");
    std::fs::write(
        root.path().join("secret.png"),
        base64::engine::general_purpose::STANDARD
            .decode(PNG_1X1)
            .unwrap(),
    )
    .unwrap();
    image_run(&run, &["../secret.png", "/etc/passwd", "media/missing.png"]);
    let html = Report::from_runs(&[run.as_path()], &ReportOptions::default())
        .unwrap()
        .to_html();
    assert!(!html.contains("data:image/png"));
}

/// The report resolves images with the dataset's media path guard: `..`, absolute paths and
/// symbolic links out of the run directory are never read, while an image inside it is.
#[cfg(unix)]
#[test]
fn escaping_image_paths_are_refused_by_the_dataset_guard() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("run");
    let png = base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .unwrap();
    // A PNG outside the run (with a distinct trailing byte, so its data URL can be told apart).
    let mut secret = png.clone();
    secret.extend_from_slice(b"SECRET");
    let secret_path = root.path().join("secret.png");
    std::fs::write(&secret_path, &secret).unwrap();
    std::fs::create_dir_all(run.join("media/sub")).unwrap();
    std::fs::write(run.join("media/ok.png"), &png).unwrap();
    std::os::unix::fs::symlink(&secret_path, run.join("media/link.png")).unwrap();
    std::os::unix::fs::symlink(root.path(), run.join("media/up")).unwrap();
    let paths = [
        "media/ok.png",
        "media/link.png",
        "media/up/secret.png",
        "media/sub/../../../secret.png",
        "./../secret.png",
        secret_path.to_str().unwrap(),
        "media\\..\\..\\secret.png",
    ];
    image_run(&run, &paths);
    let html = Report::from_runs(
        &[run.as_path()],
        &ReportOptions::default().worst_examples(paths.len()),
    )
    .unwrap()
    .to_html();
    let secret_url = base64::engine::general_purpose::STANDARD.encode(&secret);
    assert!(
        !html.contains(&secret_url),
        "an image outside the run was embedded"
    );
    // The image inside the run is embedded, once: the guard refuses only the escapes.
    assert_eq!(
        html.matches(&format!("data:image/png;base64,{PNG_1X1}"))
            .count(),
        1
    );
    for path in &paths[1..] {
        assert!(
            html.contains(&format!(
                "<h4>Media</h4><pre>{}</pre>",
                path.replace('<', "&lt;")
            )),
            "{path} is not listed as a plain path"
        );
    }
}

/// Chromium from `ASSURAI_CHROMIUM` (set by `scripts/setup-system.sh`) or on `PATH`.
fn chromium() -> Option<String> {
    let configured = std::env::var("ASSURAI_CHROMIUM").ok();
    configured
        .into_iter()
        .chain(
            ["chromium", "chromium-browser", "google-chrome"]
                .into_iter()
                .map(str::to_owned),
        )
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

/// A forward proxy on 127.0.0.1 that records the host of every request and
/// refuses it; Chromium is pointed at it so no request leaves the machine.
struct Proxy(ScriptedServer);

impl Proxy {
    fn start() -> Self {
        let refuse = |_: &RecordedRequest| Reply::bytes(403, "text/plain", Vec::new());
        Self(ScriptedServer::respond_with(refuse).unwrap())
    }

    fn port(&self) -> u16 {
        self.0.addr().port()
    }

    /// The host of every request (`GET http://HOST/…`, `CONNECT HOST:443`).
    fn hosts(&self) -> Vec<String> {
        let host = |r: RecordedRequest| {
            r.path
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .split(['/', ':'])
                .next()
                .unwrap_or("")
                .to_owned()
        };
        self.0.requests().into_iter().map(host).collect()
    }

    /// Hosts requested, except Chromium's own background services (update
    /// checks, network time), which no page can trigger.
    fn page_hosts(&self) -> Vec<String> {
        let internal = [
            ".google.com",
            ".googleapis.com",
            ".gstatic.com",
            ".gvt1.com",
        ];
        self.hosts()
            .into_iter()
            .filter(|h| !internal.iter().any(|s| h.ends_with(s)))
            .collect()
    }
}

/// Loads `page` in headless Chromium through `proxy`; returns (DOM, log).
fn load(browser: &str, page: &Path, proxy: &Proxy, profile: &Path) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
            "--no-default-browser-check",
            "--no-pings",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            &format!("--proxy-server=http://127.0.0.1:{}", proxy.port()),
            "--proxy-bypass-list=<-loopback>",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed: {log}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), log)
}

#[test]
fn chromium_loads_it_without_console_errors_or_network_requests() {
    // Never a silent skip: without Chromium this check cannot run, so it fails with the way
    // to get it.
    let browser = chromium().unwrap_or_else(|| {
        panic!(
            "the HTML report check needs Chromium, which is not installed: run \
             `bash scripts/setup-system.sh` (Debian/Ubuntu: `apt-get install chromium`) or set \
             ASSURAI_CHROMIUM to the browser"
        )
    });
    let browser = browser.as_str();
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(&dir.path().join("run"));

    // Control: the same check does see a request when a page makes one
    // (here a page without the Content-Security-Policy).
    let control = dir.path().join("control.html");
    let csp_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp_start + html[csp_start..].find('>').unwrap() + 1;
    let unprotected = format!(
        "{}{}",
        &html[..csp_start],
        &html[csp_end..].replace(
            "</body>",
            "<img src=\"http://assurai-probe.test/p.png\"></body>"
        )
    );
    std::fs::write(&control, unprotected).unwrap();
    let proxy = Proxy::start();
    load(
        browser,
        &control,
        &proxy,
        &dir.path().join("profile-control"),
    );
    assert!(
        proxy.page_hosts().iter().any(|h| h == "assurai-probe.test"),
        "control request not seen: {:?}",
        proxy.hosts()
    );
    drop(proxy);

    // A marker set by an extra script at the end proves the page's own
    // script ran without throwing; clicking a header exercises sorting.
    let marked = html.replace(
        "</body>",
        "<script>document.querySelector('table.sortable th').click();\
         document.documentElement.setAttribute('data-loaded','yes');\
         console.log('assurai-ok');</script></body>",
    );
    let page = dir.path().join("report.html");
    std::fs::write(&page, marked).unwrap();
    let proxy = Proxy::start();
    let (dom, log) = load(browser, &page, &proxy, &dir.path().join("profile"));
    assert!(
        dom.contains("data-loaded=\"yes\""),
        "scripts did not run to the end:\n{log}"
    );
    assert!(dom.contains("class=\"asc\""), "sorting did not run");
    // The hostile output is text in the DOM, not an element.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(dom.matches("<script>alert(1)").count(), 0);
    assert!(
        log.contains("assurai-ok"),
        "console output not captured:\n{log}"
    );
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && !l.contains("assurai-ok"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    for bad in ["Refused to", "Uncaught", "net::ERR"] {
        assert!(!log.contains(bad), "{bad} in chromium log:\n{log}");
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        proxy.page_hosts().is_empty(),
        "the page made network requests: {:?}",
        proxy.page_hosts()
    );
}
