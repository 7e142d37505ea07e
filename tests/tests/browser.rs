//! The registry's web pages in a real browser, as a person uses them: search, narrow by a facet,
//! open an asset, follow a need it answers. Only the "Stable hooks" of docs/web.md are used to find
//! things on the pages. Runs only with `OSOPS_TEST_BROWSER=1` (see `osops_tests::browser`);
//! screenshots land in `target/browser-screenshots/`.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::elements::Element;
use osops_tests::TestRegistry;
use osops_tests::browser::Browser;

/// How long an element may take to appear. Pages are server-rendered and the browser has loaded
/// them when a navigation returns, so this is only slack for a slow machine.
const APPEAR: Duration = Duration::from_secs(10);

/// The element `css` on the current page, waiting for it; panics saying what was expected.
async fn find(browser: &Browser, css: &str, expected: &str) -> Element {
    let found = browser
        .wait()
        .at_most(APPEAR)
        .for_element(Locator::Css(css))
        .await;
    match found {
        Ok(element) => element,
        Err(e) => {
            let url = browser.current_url().await.map(|u| u.to_string());
            let url = url.unwrap_or_else(|e| format!("<no URL: {e}>"));
            panic!("expected {expected} (`{css}`) on {url}: {e}")
        }
    }
}

/// Every element matching `css` on the current page (none is no error).
async fn find_all(browser: &Browser, css: &str) -> Vec<Element> {
    browser
        .find_all(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("looking for `{css}`: {e}"))
}

async fn text(element: &Element) -> String {
    element
        .text()
        .await
        .expect("element text")
        .trim()
        .to_string()
}

/// The number `#result-count`'s text starts with.
async fn result_count(browser: &Browser) -> usize {
    let count = text(&find(browser, "#result-count", "the number of results").await).await;
    let digits: String = count.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("expected #result-count to start with a number, got {count:?}"))
}

#[tokio::test]
async fn a_person_searches_filters_opens_an_asset_and_follows_a_need() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let examples = osops_tests::examples_dir();
    let registry = TestRegistry::start_with(&["--demo", &examples.to_string_lossy()]);
    let base = registry.url();

    // Home: search for "nova" with the search box every page has.
    browser.goto(&format!("{base}/")).await.expect("open /");
    browser.screenshot("home").await;
    let q = find(
        &browser,
        "form[role=search] input[name=q]#q",
        "the search box",
    )
    .await;
    q.send_keys("nova").await.expect("type into #q");
    find(
        &browser,
        "form[role=search]:has(input#q) button",
        "the search form's submit button",
    )
    .await
    .click()
    .await
    .expect("submit the search");

    // Search results: the demo's ten assets fit on one page, so the count is what is shown.
    find(&browser, "ol#results", "the result list").await;
    let url = browser.current_url().await.expect("current URL");
    assert_eq!(url.path(), "/search", "expected the search page, got {url}");
    let results = find_all(&browser, "ol#results > li.result").await.len();
    assert!(
        results >= 2,
        "expected at least 2 demo assets to match \"nova\", got {results}"
    );
    assert_eq!(
        result_count(&browser).await,
        results,
        "expected #result-count to tell the number of results shown"
    );
    browser.screenshot("search").await;

    // Narrow to scripts with the kind facet; the query stays.
    let script = "section.facet[data-facet=kind] a.facet-value[data-value=script]";
    find(&browser, script, "a `script` value in the kind facet")
        .await
        .click()
        .await
        .expect("click the script facet");
    // The facet value marked current is both the sign the new page is there and an assertion.
    find(
        &browser,
        &format!("{script}[aria-current=true]"),
        "the clicked facet value marked aria-current=\"true\"",
    )
    .await;
    let url = browser.current_url().await.expect("current URL");
    let query = url.query().unwrap_or_default();
    assert!(
        query.contains("kind=script") && query.contains("q=nova"),
        "expected the URL to keep q=nova and add kind=script, got {url}"
    );
    let filtered = find_all(&browser, "ol#results > li.result").await.len();
    assert!(
        (1..=results).contains(&filtered),
        "expected between 1 and {results} nova scripts after filtering, got {filtered}"
    );
    assert_eq!(
        result_count(&browser).await,
        filtered,
        "expected #result-count to tell the number of filtered results shown"
    );
    browser.screenshot("filtered").await;

    // Open the first result.
    let link = find(
        &browser,
        "ol#results > li.result a.result-name",
        "a result link",
    )
    .await;
    let href = link.prop("href").await.expect("href").unwrap_or_default();
    let name = href
        .strip_prefix(&format!("{base}/assets/"))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| panic!("expected a.result-name to link to /assets/NAME, got {href:?}"))
        .to_string();
    link.click().await.expect("click the first result");
    let install = find(&browser, "#install-command", "the install command").await;
    let url = browser.current_url().await.expect("current URL");
    assert!(
        url.path().starts_with("/assets/"),
        "expected an asset page, got {url}"
    );
    let h1 = text(&find(&browser, "h1", "the asset's name as the heading").await).await;
    assert_eq!(h1, name, "expected the heading to be the asset's name");
    let install = text(&install).await;
    assert!(
        install.starts_with("osops install ") && install.contains(&name),
        "expected #install-command to be `osops install {name}`, got {install:?}"
    );
    // The button is hidden in the HTML; only copy.js shows it. Displayed means the page's own
    // script ran under the Content-Security-Policy.
    let copy = find(&browser, "button#copy-install", "the copy button").await;
    assert!(
        copy.is_displayed().await.expect("visibility"),
        "expected copy.js to have shown button#copy-install (did the script load under the CSP?)"
    );
    browser.screenshot("asset").await;

    // Follow a need the asset answers.
    find(
        &browser,
        "section#needs a",
        "a link to a need the asset addresses",
    )
    .await
    .click()
    .await
    .expect("click the need");
    find(&browser, "table#answers", "the need's answers").await;
    let url = browser.current_url().await.expect("current URL");
    assert!(
        url.path().starts_with("/needs/"),
        "expected a need page, got {url}"
    );
    let title = text(&find(&browser, "h1", "the need's title").await).await;
    assert!(!title.is_empty(), "expected the need's title in h1");
    let mut answers = Vec::new();
    for row in find_all(&browser, "table#answers tr.answer").await {
        answers.push(text(&row).await);
    }
    assert!(
        answers.iter().any(|row| row.contains(&name)),
        "expected {name} among the need's answers, got {answers:?}"
    );
    browser.screenshot("need").await;
}

/// The browser machinery alone, on a page that exists in every registry: when this fails, the
/// fault is the browser setup (chromium, chromedriver, flags), not the pages.
#[tokio::test]
async fn the_browser_starts_and_screenshots_a_registry_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let registry = TestRegistry::start();
    browser
        .goto(&format!("{}/healthz", registry.url()))
        .await
        .expect("open /healthz");
    let shot = browser.screenshot("healthz").await;
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 0,
        "expected a non-empty PNG at {}, got {size} bytes",
        shot.display()
    );
}
