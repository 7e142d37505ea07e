//! Prometheus metrics: one [`Metrics`] registry per [`AppState`], the middleware that counts and
//! times every request ([`track`]), and `GET /metrics` ([`metrics`]), in the OpenMetrics text
//! format (docs/http-api.md lists every metric and its labels).
//!
//! Label values come from short fixed lists, so the number of series stays bounded whatever
//! clients send: the route is the router's template (`/api/v1/assets/{name}`, never the raw path;
//! `unmatched` for paths no route matches), the method one of the standard methods or `other`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Connections;

/// What `GET /metrics` answers with: the OpenMetrics text `prometheus-client` encodes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of a request no route matched (the 404 fallback).
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the duration histograms, in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InterfaceLabels {
    interface: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// How a publish that reached the handler ended (`osops_publishes_total{outcome}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// A new version was stored.
    Created,
    /// The same bytes were already published: nothing changed.
    AlreadyPublished,
    /// Refused with a 4xx: scope, owner, look-alike, version taken, invalid archive, too large,
    /// unknown need, rate limit.
    Refused,
}

impl Publish {
    fn as_str(self) -> &'static str {
        match self {
            Publish::Created => "created",
            Publish::AlreadyPublished => "already_published",
            Publish::Refused => "refused",
        }
    }
}

/// Where a search came from (`osops_search_duration_seconds{interface}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchFrom {
    /// `GET /api/v1/assets`.
    Api,
    /// The web catalog's search page and the kind, service and release pages built on it.
    Web,
}

impl SearchFrom {
    fn as_str(self) -> &'static str {
        match self {
            SearchFrom::Api => "api",
            SearchFrom::Web => "web",
        }
    }
}

/// The registry's metrics. One per [`AppState`], shared by every clone of it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Histograms<RouteLabels>,
    publishes: Family<OutcomeLabels, Counter>,
    downloads: Counter,
    searches: Histograms<InterfaceLabels>,
    connections: Family<StateLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("osops");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let durations: Histograms<RouteLabels> = Family::new_with_constructor(histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response head, by method and route template",
            Unit::Seconds,
            durations.clone(),
        );
        let publishes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "publishes",
            "Publishes by outcome: created, already_published (identical bytes) or refused (4xx)",
            publishes.clone(),
        );
        let downloads = Counter::default();
        registry.register(
            "downloads",
            "Archives served (GET of a version's download; HEAD not counted)",
            downloads.clone(),
        );
        let searches: Histograms<InterfaceLabels> = Family::new_with_constructor(histogram);
        registry.register_with_unit(
            "search_duration",
            "Time the asset search takes in the store, by interface (api or web)",
            Unit::Seconds,
            searches.clone(),
        );
        let connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_connections",
            "Open database connections, idle or in use, over all of the store's pools",
            connections.clone(),
        );
        // Every series whose label values are known up front exists from the start, at zero, so
        // that a rate over them is defined before the first event.
        for outcome in [
            Publish::Created,
            Publish::AlreadyPublished,
            Publish::Refused,
        ] {
            let _ = publishes.get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            });
        }
        for from in [SearchFrom::Api, SearchFrom::Web] {
            let _ = searches.get_or_create(&InterfaceLabels {
                interface: from.as_str(),
            });
        }
        Metrics {
            registry,
            requests,
            durations,
            publishes,
            downloads,
            searches,
            connections,
        }
    }

    /// Counts and times one answered request.
    pub fn record_request(
        &self,
        method: &'static str,
        route: String,
        status: StatusCode,
        elapsed: Duration,
    ) {
        self.durations
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    pub fn count_publish(&self, outcome: Publish) {
        self.publishes
            .get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    pub fn count_download(&self) {
        self.downloads.inc();
    }

    pub fn observe_search(&self, from: SearchFrom, elapsed: Duration) {
        self.searches
            .get_or_create(&InterfaceLabels {
                interface: from.as_str(),
            })
            .observe(elapsed.as_secs_f64());
    }

    fn set_connections(&self, connections: Connections) {
        for (state, value) in [("idle", connections.idle), ("in_use", connections.in_use)] {
            self.connections
                .get_or_create(&StateLabels { state })
                .set(i64::from(value));
        }
    }

    /// The whole exposition, `# EOF` included.
    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The `method` label: a standard method's name, else `other`.
pub fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

/// The `route` label: the template of the route that matched (`/api/v1/assets/{name}`), or
/// [`UNMATCHED`].
pub fn route_label(matched: Option<&MatchedPath>) -> String {
    matched.map_or(UNMATCHED, MatchedPath::as_str).to_owned()
}

/// The middleware: counts and times every request, by its route's template. Layered on the whole
/// router with [`axum::Router::layer`], so that it runs after routing and sees [`MatchedPath`].
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = route_label(request.extensions().get::<MatchedPath>());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record_request(method, route, response.status(), started.elapsed());
    response
}

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    summary = "Prometheus metrics",
    description = "The OpenMetrics text format; docs/http-api.md lists the metrics and labels.",
    responses(
        (status = 200, description = "The metrics.", body = String,
            content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 500, description = "The metrics could not be encoded."),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.set_connections(state.health.connections());
    match state.metrics.encode() {
        Ok(text) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            text,
        )
            .into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::DELETE), "DELETE");
        for odd in ["PROPFIND", "get", "X-ANYTHING"] {
            let method = Method::from_bytes(odd.as_bytes()).expect("method");
            assert_eq!(method_label(&method), "other", "{odd}");
        }
    }

    /// A router like the registry's: templated routes, a fallback, the middleware on top.
    fn app(metrics: &Arc<Metrics>) -> Router {
        Router::new()
            .route("/api/v1/assets/{name}", get(|| async { "asset" }))
            .route(
                "/index/{*path}",
                get(|| async { StatusCode::NOT_FOUND }).put(|| async { StatusCode::CREATED }),
            )
            .fallback(|| async { StatusCode::NOT_FOUND })
            .layer(axum::middleware::from_fn_with_state(metrics.clone(), track))
    }

    async fn send(app: &Router, method: &str, uri: &str) -> StatusCode {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        app.clone()
            .oneshot(request)
            .await
            .expect("infallible")
            .status()
    }

    fn requests(metrics: &Metrics, method: &'static str, route: &str, status: u16) -> u64 {
        metrics
            .requests
            .get(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .map_or(0, |c| c.get())
    }

    #[tokio::test]
    async fn the_route_label_is_the_template_never_the_path() {
        let metrics = Arc::new(Metrics::new());
        let app = app(&metrics);
        for name in ["nova-a", "nova-b", "glance-c"] {
            assert_eq!(
                send(&app, "GET", &format!("/api/v1/assets/{name}")).await,
                StatusCode::OK
            );
        }
        send(&app, "GET", "/index/3/n/nov").await;
        send(&app, "GET", "/index/no/va/nova-x").await;
        send(&app, "PUT", "/index/1/a").await;
        // A known path with a method it does not take: still its template.
        send(&app, "POST", "/api/v1/assets/nova-a").await;
        // Paths no route matches, however many: one label.
        for path in ["/nope", "/api/v2/assets", "/api/v1/assets/a/b/c/d"] {
            send(&app, "GET", path).await;
        }
        send(&app, "PROPFIND", "/whatever").await;

        assert_eq!(requests(&metrics, "GET", "/api/v1/assets/{name}", 200), 3);
        assert_eq!(requests(&metrics, "POST", "/api/v1/assets/{name}", 405), 1);
        assert_eq!(requests(&metrics, "GET", "/index/{*path}", 404), 2);
        assert_eq!(requests(&metrics, "PUT", "/index/{*path}", 201), 1);
        assert_eq!(requests(&metrics, "GET", UNMATCHED, 404), 3);
        assert_eq!(requests(&metrics, "other", UNMATCHED, 404), 1);
        // Nothing else: no series was made from a raw path.
        let text = metrics.encode().expect("encode");
        let samples = |prefix: &str| -> Vec<&str> {
            text.lines().filter(|l| l.starts_with(prefix)).collect()
        };
        assert_eq!(samples("osops_http_requests_total{").len(), 6, "{text}");
        let counts = samples("osops_http_request_duration_seconds_count{");
        assert_eq!(counts.len(), 6, "{text}");
        assert!(
            counts.contains(
                &"osops_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/assets/{name}\"} 3"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_exposition_names_every_metric_and_ends_with_eof() {
        let metrics = Metrics::new();
        metrics.record_request(
            "GET",
            "/healthz".to_owned(),
            StatusCode::OK,
            Duration::from_millis(3),
        );
        metrics.count_publish(Publish::Created);
        metrics.count_download();
        metrics.observe_search(SearchFrom::Api, Duration::from_millis(20));
        metrics.set_connections(Connections { idle: 2, in_use: 1 });
        let text = metrics.encode().expect("encode");
        for line in [
            "# TYPE osops_http_requests counter",
            "osops_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
            "# TYPE osops_http_request_duration_seconds histogram",
            "osops_http_request_duration_seconds_bucket{le=\"0.005\",method=\"GET\",route=\"/healthz\"} 1",
            "osops_http_request_duration_seconds_bucket{le=\"0.0025\",method=\"GET\",route=\"/healthz\"} 0",
            "osops_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"GET\",route=\"/healthz\"} 1",
            "osops_http_request_duration_seconds_sum{method=\"GET\",route=\"/healthz\"} 0.003",
            "osops_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1",
            "osops_publishes_total{outcome=\"created\"} 1",
            "osops_publishes_total{outcome=\"already_published\"} 0",
            "osops_publishes_total{outcome=\"refused\"} 0",
            "osops_downloads_total 1",
            "osops_search_duration_seconds_count{interface=\"api\"} 1",
            "osops_search_duration_seconds_count{interface=\"web\"} 0",
            "osops_db_connections{state=\"idle\"} 2",
            "osops_db_connections{state=\"in_use\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
