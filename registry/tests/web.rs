//! The web catalog through the real router: every page type and facet parsed as HTML (scraper),
//! its headers (CSP, ETag, caching), and case 17 of SECURITY-TESTS.md (hostile README and URLs
//! render harmless).

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Asset, TestApp, TestResponse};
use scraper::{Html, Selector};

/// A registry holding the demo catalog (10 assets, 13 needs, 3 of them unanswered).
async fn demo() -> TestApp {
    let app = TestApp::new().await;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let loaded = osops_registry::demo::load(&app.state, &examples)
        .await
        .expect("demo loads");
    assert_eq!(loaded, 10);
    app
}

/// The page at `uri`, which must be a 200 HTML page.
async fn page(app: &TestApp, uri: &str) -> Html {
    let r = app.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    assert_html(&r);
    Html::parse_document(&r.text())
}

fn assert_html(r: &TestResponse) {
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let csp = r.header(header::CONTENT_SECURITY_POLICY).expect("CSP");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
    html.select(&selector).collect()
}

fn text(html: &Html, css: &str) -> String {
    let found = select(html, css);
    let first = found
        .first()
        .unwrap_or_else(|| panic!("no `{css}` in the page"));
    first.text().collect::<String>().trim().to_owned()
}

fn texts(html: &Html, css: &str) -> Vec<String> {
    select(html, css)
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attr(html: &Html, css: &str, name: &str) -> String {
    select(html, css)
        .first()
        .and_then(|e| e.value().attr(name))
        .unwrap_or_else(|| panic!("no `{css}` with `{name}`"))
        .to_owned()
}

/// The count shown for `value` in facet `facet`.
fn facet_count(html: &Html, facet: &str, value: &str) -> Option<u64> {
    let css = format!(
        "section.facet[data-facet={facet}] a.facet-value[data-value=\"{value}\"] span.count"
    );
    select(html, &css)
        .first()
        .map(|e| e.text().collect::<String>().trim().parse().expect("count"))
}

fn result_names(html: &Html) -> Vec<String> {
    texts(html, "ol#results > li.result a.result-name")
}

/// [`result_names`] in alphabetical order, for results whose order the test does not fix.
fn sorted_names(html: &Html) -> Vec<String> {
    let mut names = result_names(html);
    names.sort();
    names
}

/// The number `#result-count` starts with.
fn result_count(html: &Html) -> u64 {
    let shown = text(html, "#result-count");
    shown
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`{shown}` does not start with a number"))
}

#[tokio::test]
async fn home_shows_counts_unanswered_needs_recent_assets_and_ways_in() {
    let app = demo().await;
    let home = page(&app, "/").await;
    assert_eq!(text(&home, "#count-assets"), "10");
    assert_eq!(text(&home, "#count-needs"), "13");
    assert_eq!(select(&home, "#unanswered li.result").len(), 3);
    for link in select(&home, "#unanswered a.result-name") {
        let href = link.value().attr("href").expect("href");
        assert!(href.starts_with("/needs/"), "{href}");
    }
    assert_eq!(select(&home, "#recent-new li.result").len(), 6);
    assert_eq!(select(&home, "#recent-updated li.result").len(), 6);
    assert_eq!(select(&home, "#browse-kinds li").len(), 7, "every kind");
    assert!(texts(&home, "#browse-services a").contains(&"nova".to_owned()));
    assert!(!select(&home, "#browse-releases a[href='/releases/dalmatian']").is_empty());
    // Every page has the search form.
    assert_eq!(attr(&home, "form[role=search]", "action"), "/search");
    assert!(!select(&home, "form[role=search] input[name=q]#q").is_empty());
}

#[tokio::test]
async fn pages_carry_an_etag_and_answer_304() {
    let app = demo().await;
    let first = app.get("/assets/nova-evacuate-host").await;
    let etag = first.header(header::ETAG).expect("etag").to_owned();
    assert_eq!(first.header(header::CACHE_CONTROL), Some("no-cache"));
    let again = app
        .request(
            Request::get("/assets/nova-evacuate-host")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // A download changes the page, so the old tag no longer matches.
    let dl = app
        .get("/api/v1/assets/nova-evacuate-host/1.2.0/download")
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    let changed = app
        .request(
            Request::get("/assets/nova-evacuate-host")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.header(header::ETAG), Some(etag.as_str()));
}

#[tokio::test]
async fn search_has_facets_that_count_and_filter() {
    let app = demo().await;
    let all = page(&app, "/search?q=nova").await;
    let names = result_names(&all);
    assert_eq!(result_count(&all) as usize, names.len());
    assert!(
        names.contains(&"nova-evacuate-host".to_owned()),
        "{names:?}"
    );
    assert_eq!(facet_count(&all, "kind", "script"), Some(2));
    assert_eq!(
        facet_count(&all, "license", "Apache-2.0"),
        Some(names.len() as u64)
    );
    assert_eq!(facet_count(&all, "need", "drain-compute-host"), Some(1));
    assert!(facet_count(&all, "release", "dalmatian").is_some());

    // Following the facet link filters, keeps the text, and marks the value chosen.
    let href = attr(
        &all,
        "section.facet[data-facet=kind] a.facet-value[data-value=script]",
        "href",
    );
    assert_eq!(href, "/search?q=nova&kind=script");
    let scripts = page(&app, &href).await;
    let names = result_names(&scripts);
    assert_eq!(names, ["nova-evacuate-host", "neutron-orphaned-ports"]);
    assert_eq!(
        attr(
            &scripts,
            "section.facet[data-facet=kind] a.facet-value[data-value=script]",
            "aria-current"
        ),
        "true"
    );
    // The kind facet still offers the other kinds, with their counts.
    assert_eq!(facet_count(&scripts, "kind", "playbook"), Some(1));
    // Other facets count within the scripts.
    assert_eq!(facet_count(&scripts, "service", "nova"), Some(2));
    assert_eq!(facet_count(&scripts, "service", "placement"), Some(1));
    // The search box keeps the words.
    assert_eq!(attr(&scripts, "input#q", "value"), "nova");
}

#[tokio::test]
async fn search_filters_by_service_release_license_and_need() {
    let app = demo().await;
    let heat = page(&app, "/search?service=heat").await;
    assert_eq!(
        sorted_names(&heat),
        ["heat-bastion-template", "heat-stuck-stack-cleanup"]
    );

    // 2026.1 is past heat-stuck-stack-cleanup's `<=2025.2`; a number names the series too.
    let later = page(&app, "/search?service=heat&release=2026.1").await;
    assert_eq!(result_names(&later), ["heat-bastion-template"]);

    let need = page(&app, "/search?need=find-orphaned-resources").await;
    assert_eq!(
        sorted_names(&need),
        ["heat-stuck-stack-cleanup", "neutron-orphaned-ports"]
    );

    let none = page(&app, "/search?license=MIT").await;
    assert_eq!(result_count(&none), 0);
    assert!(select(&none, "ol#results").is_empty());
    assert!(text(&none, ".empty").contains("Nothing matches"));
}

#[tokio::test]
async fn search_sorts_and_pages_with_shareable_urls() {
    let app = demo().await;
    let first = page(&app, "/search?sort=name&per_page=4").await;
    assert_eq!(
        result_names(&first),
        [
            "galera-cluster-check",
            "heat-bastion-template",
            "heat-stuck-stack-cleanup",
            "keystone-fernet-rotate"
        ]
    );
    assert_eq!(result_count(&first), 10);
    let next = attr(&first, "nav.pagination a[rel=next]", "href");
    assert_eq!(next, "/search?sort=name&page=2&per_page=4");
    let second = page(&app, &next).await;
    assert_eq!(result_names(&second)[0], "neutron-orphaned-ports");
    assert_eq!(
        attr(&second, "nav.pagination a[rel=prev]", "href"),
        "/search?sort=name&per_page=4"
    );
    let sorts = texts(&first, "nav.sorts a[aria-current=true]");
    assert_eq!(sorts, ["name"]);

    // Downloads order follows the counters.
    for _ in 0..2 {
        app.get("/api/v1/assets/quota-usage-report/0.3.0/download")
            .await;
    }
    let popular = page(&app, "/search?sort=downloads").await;
    assert_eq!(result_names(&popular)[0], "quota-usage-report");
}

#[tokio::test]
async fn bad_queries_get_an_html_page_that_says_what_was_wrong() {
    let app = demo().await;
    for (uri, status, words) in [
        (
            "/search?kind=rocket",
            StatusCode::BAD_REQUEST,
            "unknown kind `rocket`",
        ),
        (
            "/search?sort=stars",
            StatusCode::BAD_REQUEST,
            "unknown sort `stars`",
        ),
        (
            "/search?page=99",
            StatusCode::NOT_FOUND,
            "past the last page",
        ),
        (
            "/needs?status=done",
            StatusCode::BAD_REQUEST,
            "unknown status `done`",
        ),
        (
            "/assets/no-such-asset",
            StatusCode::NOT_FOUND,
            "no asset `no-such-asset`",
        ),
        (
            "/needs/no-such-need",
            StatusCode::NOT_FOUND,
            "no need `no-such-need`",
        ),
        (
            "/services/novva",
            StatusCode::NOT_FOUND,
            "unknown service `novva`",
        ),
        ("/no/such/page", StatusCode::NOT_FOUND, "no such page"),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, status, "{uri}");
        assert_html(&r);
        let html = Html::parse_document(&r.text());
        let detail = text(&html, "#error-detail");
        assert!(detail.contains(words), "{uri}: {detail}");
    }
    // The API keeps answering problem+json.
    let api = app.get("/api/v1/nothing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn the_asset_page_has_what_an_operator_checks_before_running_it() {
    let app = demo().await;
    let api = app.get("/api/v1/assets/nova-evacuate-host").await.json();
    let asset = page(&app, "/assets/nova-evacuate-host").await;
    assert_eq!(text(&asset, "h1"), "nova-evacuate-host");
    assert_eq!(
        text(&asset, "#install-command"),
        "osops install nova-evacuate-host@1.2.0 --registry http://registry.test"
    );
    let copy = select(&asset, "button#copy-install");
    assert!(
        copy[0].value().attr("hidden").is_some(),
        "shown by the script only"
    );
    // Versions with their checksums.
    let cksum = api["versions"][0]["cksum"].as_str().expect("cksum");
    assert_eq!(texts(&asset, "table#versions code.sha"), [cksum]);
    // The need it answers, by title, and where it was prompted.
    assert_eq!(
        attr(&asset, "section#needs a[href^='/needs/']", "href"),
        "/needs/drain-compute-host"
    );
    assert_eq!(
        text(&asset, "section#needs a[href^='/needs/']"),
        "Empty a compute host before maintenance or after it fails"
    );
    assert_eq!(
        attr(&asset, "ul.prompted-by a", "rel"),
        "nofollow noopener noreferrer"
    );
    // Where it runs, who owns it, its license and repository.
    assert!(text(&asset, ".asset-side").contains(">=2023.1, <=2025.2"));
    assert_eq!(texts(&asset, "#owners li"), ["demo"]);
    assert!(text(&asset, ".asset-side").contains("Apache-2.0"));
    // The README, rendered.
    assert!(!select(&asset, "section#readme .prose h1").is_empty());
    // The files of the latest version.
    let files = texts(&asset, "ul#files li code");
    assert!(files.contains(&"osops.toml".to_owned()), "{files:?}");
    assert!(files.contains(&"README.md".to_owned()), "{files:?}");
    assert!(
        files.iter().any(|f| f.starts_with("bin/")),
        "the entry point is listed: {files:?}"
    );
    assert_eq!(text(&asset, "#downloads"), "0");

    // Another spelling redirects to the canonical page.
    let r = app.get("/assets/Nova_Evacuate_Host").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.header(header::LOCATION),
        Some("/assets/nova-evacuate-host")
    );
}

#[tokio::test]
async fn yanked_versions_are_marked_with_their_reason() {
    let app = TestApp::new().await;
    let token = app.user("alice").await;
    for version in ["1.0.0", "1.1.0"] {
        let r = app
            .publish(Some(&token), &Asset::new("port-sweeper", version).archive())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/port-sweeper/1.1.0/yank",
            Some(&token),
            Some(&serde_json::json!({"reason": "deletes ports in use"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let asset = page(&app, "/assets/port-sweeper").await;
    let rows = texts(&asset, "table#versions tbody tr");
    assert!(
        rows[0].starts_with("1.1.0") && rows[0].contains("yanked"),
        "{rows:?}"
    );
    assert!(rows[1].contains("deletes ports in use"), "{rows:?}");
    assert!(!rows.last().expect("row").contains("yanked"), "{rows:?}");
    // The latest is the newest version that is not yanked.
    assert!(text(&asset, "#install-command").contains("port-sweeper@1.0.0"));
}

#[tokio::test]
async fn dependencies_and_reverse_dependencies_link_both_ways() {
    let app = TestApp::new().await;
    let token = app.user("alice").await;
    let base = Asset::new("os-common", "1.0.0");
    assert_eq!(
        app.publish(Some(&token), &base.archive()).await.status,
        StatusCode::CREATED
    );
    let mut user = Asset::new("port-sweeper", "2.0.0");
    user.dependencies = vec![("os-common".into(), "^1.0".into())];
    let r = app.publish(Some(&token), &user.archive()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let base_page = page(&app, "/assets/os-common").await;
    assert_eq!(text(&base_page, "#dependents a"), "port-sweeper");
    assert!(text(&base_page, "#dependents li").contains("^1.0"));
    let user_page = page(&app, "/assets/port-sweeper").await;
    assert_eq!(
        attr(&user_page, "#dependencies a", "href"),
        "/assets/os-common"
    );
    assert!(select(&user_page, "#dependents").is_empty());
}

#[tokio::test]
async fn the_need_page_compares_its_answers_side_by_side() {
    let app = demo().await;
    let need = page(&app, "/needs/find-orphaned-resources").await;
    assert_eq!(
        text(&need, "h1"),
        "Find resources left behind by failed deletes"
    );
    assert_eq!(text(&need, "#need-status"), "addressed");
    assert_eq!(text(&need, "#votes"), "0 votes");
    let rows = select(&need, "table#answers tr.answer");
    assert_eq!(rows.len(), 2);
    let answers = texts(&need, "table#answers tr.answer th a");
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["heat-stuck-stack-cleanup", "neutron-orphaned-ports"]
    );
    // Kind, latest version, releases, services, downloads and last update, per answer.
    assert_eq!(select(&need, "table#answers thead th").len(), 7);
    assert!(
        texts(&need, "table#answers tr.answer td")
            .iter()
            .any(|t| t == ">=zed")
    );
    for link in select(&need, "#links a") {
        assert_eq!(
            link.value().attr("rel"),
            Some("nofollow noopener noreferrer")
        );
    }
    // An open need says how to answer it.
    let open = page(&app, "/needs/audit-security-group-rules").await;
    assert_eq!(text(&open, "#need-status"), "open");
    assert!(text(&open, "#no-answers").contains("addresses = [\"audit-security-group-rules\"]"));
}

#[tokio::test]
async fn the_needs_list_has_status_and_service_facets() {
    let app = demo().await;
    let all = page(&app, "/needs").await;
    assert_eq!(result_count(&all), 13);
    assert_eq!(facet_count(&all, "status", "open"), Some(3));
    assert_eq!(facet_count(&all, "status", "addressed"), Some(10));
    let open = page(&app, "/needs?status=open").await;
    assert_eq!(result_names(&open).len(), 3);
    assert_eq!(
        attr(
            &open,
            "section.facet[data-facet=status] a[aria-current=true]",
            "data-value"
        ),
        "open"
    );
    let neutron = page(&app, "/needs?status=open&service=neutron").await;
    assert_eq!(result_names(&neutron).len(), 2);
    let found = page(&app, "/needs?q=fernet").await;
    assert_eq!(result_names(&found).len(), 1);
    for link in select(&found, "ol#results a.result-name") {
        assert!(
            link.value()
                .attr("href")
                .expect("href")
                .starts_with("/needs/")
        );
    }
}

#[tokio::test]
async fn kind_service_and_release_pages() {
    let app = demo().await;
    let checks = page(&app, "/kinds/check").await;
    assert_eq!(
        sorted_names(&checks),
        ["galera-cluster-check", "rabbitmq-cluster-health"]
    );

    let nova = page(&app, "/services/nova").await;
    assert_eq!(text(&nova, "h1"), "Assets for nova");
    assert_eq!(result_count(&nova), 6);
    assert!(
        !select(&nova, ".service-needs li.result").is_empty(),
        "the needs of nova"
    );

    let dalmatian = page(&app, "/releases/dalmatian").await;
    assert!(text(&dalmatian, "h1").contains("Dalmatian (2024.2)"));
    assert!(result_names(&dalmatian).contains(&"nova-evacuate-host".to_owned()));
    let gazpacho = page(&app, "/releases/gazpacho").await;
    assert!(
        !result_names(&gazpacho).contains(&"nova-evacuate-host".to_owned()),
        "2026.1 is past nova-evacuate-host's <=2025.2"
    );

    for (from, to) in [
        ("/releases/2024.2", "/releases/dalmatian"),
        ("/services/Nova", "/services/nova"),
        ("/kinds/Script", "/kinds/script"),
    ] {
        let r = app.get(from).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{from}");
        assert_eq!(r.header(header::LOCATION), Some(to));
    }
}

#[tokio::test]
async fn pages_load_nothing_inline_and_nothing_from_other_hosts() {
    let app = demo().await;
    for uri in [
        "/",
        "/search?q=nova",
        "/needs",
        "/needs/drain-compute-host",
        "/assets/nova-evacuate-host",
        "/services/nova",
    ] {
        let html = page(&app, uri).await;
        for script in select(&html, "script") {
            let src = script.value().attr("src").expect("no inline script");
            assert!(src.starts_with("/static/"), "{uri}: {src}");
            assert!(script.text().collect::<String>().trim().is_empty());
        }
        assert!(select(&html, "style").is_empty(), "{uri}: no inline style");
        assert!(
            select(&html, "[style]").is_empty(),
            "{uri}: no style attribute"
        );
        for link in select(&html, "link[href]") {
            assert!(
                link.value()
                    .attr("href")
                    .expect("href")
                    .starts_with("/static/")
            );
        }
        assert!(select(&html, "img").is_empty(), "{uri}: no image");
    }
    // The stylesheet and script are served, cached for a year under their hash.
    let home = page(&app, "/").await;
    for (css, kind) in [("link[rel=stylesheet]", "href"), ("script", "src")] {
        let url = attr(&home, css, kind);
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert_eq!(
            r.header(header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        assert!(!r.body.is_empty());
    }
}

/// Case 17: a README carrying script, iframe, event handlers and `javascript:` links renders
/// harmless; manifest URLs must be http(s), and one that is not (a row from before the rule)
/// shows as text.
#[tokio::test]
async fn case_17_hostile_readmes_and_urls_render_harmless() {
    let app = TestApp::new().await;
    let token = app.user("mallory").await;
    let mut asset = Asset::new("evil-readme", "1.0.0");
    asset.description = "<script>alert('description')</script>".into();
    asset.readme = "# Hi\n\n<script>alert(1)</script>\n<iframe src=\"https://evil.example/\"></iframe>\n\n\
                    <a href=\"#\" onclick=\"alert(2)\">click</a>\n\n<img src=x onerror=\"alert(3)\">\n\n\
                    [js](javascript:alert(4)) <a href=\"jAvAsCrIpT:alert(5)\">js2</a>\n\n\
                    <svg onload=alert(6)></svg> <form action=\"https://evil.example\"><input></form>\n\n\
                    <div style=\"position:fixed\">overlay</div>\n\n[ok](https://opendev.org/x)\n"
        .into();
    let r = app.publish(Some(&token), &asset.archive()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let r = app.get("/assets/evil-readme").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    let html = Html::parse_document(&body);
    assert_eq!(
        select(&html, "script").len(),
        1,
        "only the page's own script"
    );
    let readme = select(&html, "section#readme")[0]
        .html()
        .to_ascii_lowercase();
    for bad in [
        "<script",
        "<iframe",
        "onclick",
        "onerror",
        "onload",
        "javascript:",
        "<svg",
        "<form",
        "<input",
        "style=",
        "<img",
    ] {
        assert!(
            !readme.contains(bad),
            "`{bad}` survived in the README: {readme}"
        );
    }
    assert!(
        readme.contains(
            r#"<a href="https://opendev.org/x" rel="nofollow noopener noreferrer">ok</a>"#
        ),
        "{readme}"
    );
    // The description is text, escaped.
    assert_eq!(
        text(&html, ".asset-head .description"),
        "<script>alert('description')</script>"
    );
    assert!(
        !body.contains("<script>alert("),
        "nothing reaches the page unescaped"
    );

    // A `javascript:` repository is refused at publish, naming the field.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bad = Asset::new("evil-repo", "1.0.0").toml();
    bad = bad.replace(
        "license = \"Apache-2.0\"",
        "license = \"Apache-2.0\"\nrepository = \"javascript:alert(1)\"",
    );
    std::fs::write(dir.path().join("osops.toml"), &bad).expect("manifest");
    assert!(
        osops_index::Manifest::from_dir(dir.path())
            .expect_err("refused")
            .to_string()
            .contains("repository"),
    );

    // A stored one (a row from before the rule) is shown as text, never as a link.
    app.execute_either(
        "UPDATE versions SET manifest = json_set(manifest, '$.repository', 'javascript:alert(7)', \
         '$.prompted_by', json_array('javascript:alert(8)'))",
        "UPDATE versions SET manifest = (manifest::jsonb \
         || '{\"repository\": \"javascript:alert(7)\", \"prompted_by\": [\"javascript:alert(8)\"]}')::text",
    )
    .await;
    let html = page(&app, "/assets/evil-readme").await;
    assert!(select(&html, "a[href^='javascript']").is_empty());
    assert!(select(&html, "a[href^='JAVASCRIPT' i]").is_empty());
    assert!(text(&html, ".asset-side").contains("javascript:alert(7)"));
}
