//! Test support: [`TestApp`] drives the real router in-process over a temporary SQLite file and
//! blob directory; [`Asset`] writes an asset directory and packs it with `osops_index`.
//!
//! The same tests are the conformance suite of the PostgreSQL store: with `OSOPS_TEST_POSTGRES`
//! set to a database URL, every [`TestApp`] runs on its own fresh schema of that database instead
//! of SQLite (`scripts/dev-services.sh` makes one; `.ci/run` runs the suite both ways).

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bytes::Bytes;
use osops_index::Manifest;
use osops_index::archive::{Limits, pack};
use osops_registry::access::{Pattern, Scope, Scopes};
use osops_registry::blobs::Blobs;
use osops_registry::rate_limit::RateLimits;
use osops_registry::store::Store;
use osops_registry::store::postgres::PgStore;
use osops_registry::store::sqlite::SqliteStore;
use osops_registry::store::{AuditAction, AuditActor, User};
use osops_registry::tokens::{TokenSpec, days_from_now, mint};
use osops_registry::{AppState, DataDir, Settings, router};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://registry.test";

/// `/index/{prefix}/{name}` for a name.
pub fn index_uri(name: &str) -> String {
    format!(
        "/index/{}",
        osops_index::index_path(&osops_index::AssetName::parse(name).expect("name"))
    )
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The store behind `state`, every trait at once (to close it, say).
    pub store: std::sync::Arc<dyn Store>,
    pub data: DataDir,
    dir: tempfile::TempDir,
    db: Db,
}

/// The database a [`TestApp`] runs on, for the tests' own queries.
enum Db {
    Sqlite(PathBuf),
    /// A pool on the app's own schema.
    Postgres(sqlx::PgPool),
}

/// `OSOPS_TEST_S3` (`s3://BUCKET`), when set: the bucket the suite keeps archives in instead of a
/// directory, each [`TestApp`] under its own prefix; endpoint, region and credentials come from
/// the `AWS_*` variables (`scripts/dev-services.sh` prints them).
pub fn s3_url() -> Option<String> {
    std::env::var("OSOPS_TEST_S3")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// 16 random hex digits, for names no other test uses.
fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    hex::encode(bytes)
}

/// `OSOPS_TEST_POSTGRES`, when set: the database the suite runs on instead of SQLite.
pub fn postgres_url() -> Option<String> {
    std::env::var("OSOPS_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh schema of the `OSOPS_TEST_POSTGRES` database, and the URL that works in it.
async fn fresh_schema(base: &str) -> String {
    let schema = format!("osops_test_{}", random_suffix());
    let admin = sqlx::PgPool::connect(base).await.unwrap_or_else(|e| {
        panic!("OSOPS_TEST_POSTGRES is set, but PostgreSQL at it is unreachable: {e}")
    });
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .expect("create schema");
    admin.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options[search_path]={schema}")
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// The `detail` of a problem+json body, after checking that it is one with this status.
    pub fn problem(&self, status: StatusCode) -> String {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16());
        assert_eq!(body["type"], "about:blank");
        assert!(body["title"].is_string());
        body["detail"].as_str().expect("detail").to_owned()
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_max_upload(Limits::default().max_compressed).await
    }

    pub async fn with_max_upload(max_upload: u64) -> TestApp {
        TestApp::with_settings(max_upload, RateLimits::default()).await
    }

    /// A registry with these rate limits (e.g. `new-version=1/1h`).
    pub async fn with_rate_limits(limits: &[&str]) -> TestApp {
        let settings: Vec<_> = limits.iter().map(|l| l.parse().expect(l)).collect();
        TestApp::with_settings(
            Limits::default().max_compressed,
            RateLimits::with(&settings),
        )
        .await
    }

    async fn with_settings(max_upload: u64, rate_limits: RateLimits) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::create(&dir.path().join("data")).expect("data dir");
        let (store, db): (std::sync::Arc<dyn Store>, Db) = match postgres_url() {
            Some(base) => {
                let url = fresh_schema(&base).await;
                let store = PgStore::open(&url)
                    .await
                    .expect("open the PostgreSQL store");
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .connect(&url)
                    .await
                    .expect("inspection pool");
                (std::sync::Arc::new(store), Db::Postgres(pool))
            }
            None => {
                let store = SqliteStore::open(&data.database())
                    .await
                    .expect("open store");
                (std::sync::Arc::new(store), Db::Sqlite(data.database()))
            }
        };
        let blobs = match s3_url() {
            Some(bucket) => {
                let url = format!("{}/test-{}", bucket.trim_end_matches('/'), random_suffix());
                let config = osops_registry::blobs::S3Config::from_url(&url, None, None)
                    .expect("OSOPS_TEST_S3 and the AWS_* variables describe a bucket");
                let blobs = Blobs::s3(&config).expect("S3 blob store");
                blobs.check().await.unwrap_or_else(|e| {
                    panic!("OSOPS_TEST_S3 is set, but the bucket is unreachable: {e}")
                });
                blobs
            }
            None => Blobs::local(&data.blobs()).expect("blobs"),
        };
        // Behind the fault-injecting wrapper, which only delegates until a test sets a point
        // (`app.state.blobs.failpoints()`, registry/tests/faults.rs).
        #[cfg(feature = "failpoints")]
        let blobs = blobs.with_faulty_store();
        let settings = Settings::new(PUBLIC_URL, max_upload)
            .expect("settings")
            .with_rate_limits(rate_limits);
        let state = AppState::from_store(store.clone(), blobs, settings);
        TestApp {
            router: router(state.clone()),
            state,
            store,
            data,
            dir,
            db,
        }
    }

    /// Creates a user and returns a fresh token for it with every scope, for every asset,
    /// expiring in 90 days (what `osops-registry token create --user NAME` makes).
    pub async fn user(&self, name: &str) -> String {
        self.state
            .users
            .create_user(name)
            .await
            .expect("create user");
        self.token(name, Scopes::all(), &[]).await
    }

    /// A new token of an existing user, made as an admin would.
    pub async fn token(&self, user: &str, scopes: Scopes, patterns: &[&str]) -> String {
        self.mint(
            user,
            TokenSpec {
                name: "test".into(),
                scopes,
                patterns: patterns
                    .iter()
                    .map(|p| Pattern::parse(p).expect(p))
                    .collect(),
                expires_at: Some(days_from_now(90)),
                trusted_publisher: None,
            },
        )
        .await
    }

    /// A new token of an existing user with only these scopes.
    pub async fn scoped(&self, user: &str, scopes: &[Scope]) -> String {
        self.token(user, scopes.iter().copied().collect(), &[])
            .await
    }

    /// Mints exactly this token for an existing user.
    pub async fn mint(&self, user: &str, spec: TokenSpec) -> String {
        let user = self.account(user).await;
        mint(
            self.state.tokens.as_ref(),
            &user,
            &spec,
            AuditAction::TokenCreate,
            &AuditActor::admin(),
        )
        .await
        .expect("mint")
        .token
    }

    pub async fn account(&self, name: &str) -> User {
        self.state
            .users
            .user(name)
            .await
            .expect("lookup")
            .expect("user exists")
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        send(self.router.clone(), request).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// A request with an optional Bearer token and an optional JSON body.
    pub async fn send_json(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(json).expect("JSON"))
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).expect("request")).await
    }

    /// Files a need through the API (`POST /api/v1/needs`), checking that it was created.
    pub async fn create_need(&self, token: &str, id: &str) -> serde_json::Value {
        let r = self
            .send_json(
                Method::POST,
                "/api/v1/needs",
                Some(token),
                Some(&need_json(id, &format!("The {id} problem"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }

    pub async fn publish(&self, token: Option<&str>, archive: &[u8]) -> TestResponse {
        self.request(publish_request(token, archive.to_vec())).await
    }

    /// Every file under the blob directory, relative; in a bucket, every archive's key.
    pub async fn blob_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if s3_url().is_some() {
            use futures_util::StreamExt;
            let mut listed = self.state.blobs.list_archives();
            while let Some(archive) = listed.next().await {
                let sha256 = archive.expect("list the bucket").sha256;
                let key = osops_registry::blobs::BlobKey::archive(&sha256).expect("key");
                files.push(PathBuf::from(key.as_str()));
            }
        } else {
            let root = self.data.blobs();
            walk(&root, &root, &mut files);
        }
        files.sort();
        files
    }

    /// Runs a `SELECT COUNT(*)`-like query (SQL both stores read alike) on the database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.db {
            Db::Sqlite(path) => {
                let db = sqlite_pool(path).await;
                let n = sqlx::query_scalar(sql).fetch_one(&db).await.expect("query");
                db.close().await;
                n
            }
            Db::Postgres(pool) => sqlx::query_scalar(sql)
                .fetch_one(pool)
                .await
                .expect("query"),
        }
    }

    /// Runs `sql` on the registry's database, as an older registry (or an operator) might have
    /// written it: `sqlite` on SQLite, `postgres` on PostgreSQL.
    pub async fn execute_either(&self, sqlite: &str, postgres: &str) {
        match &self.db {
            Db::Sqlite(path) => {
                let db = sqlite_pool(path).await;
                sqlx::query(sqlite).execute(&db).await.expect("statement");
                db.close().await;
            }
            Db::Postgres(pool) => {
                sqlx::query(postgres)
                    .execute(pool)
                    .await
                    .expect("statement");
            }
        }
    }

    /// Every non-NULL cell of every table of the registry's database: (table, column, bytes).
    pub async fn dump(&self) -> Vec<(String, String, Vec<u8>)> {
        let mut cells = Vec::new();
        match &self.db {
            Db::Sqlite(path) => {
                let pool = sqlite_pool(path).await;
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                        .fetch_all(&pool)
                        .await
                        .expect("tables");
                for table in tables {
                    let columns: Vec<String> = sqlx::query_scalar(&format!(
                        "SELECT name FROM pragma_table_info('{table}')"
                    ))
                    .fetch_all(&pool)
                    .await
                    .expect("columns");
                    for column in columns {
                        let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
                            "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\""
                        ))
                        .fetch_all(&pool)
                        .await
                        .expect("values");
                        cells.extend(
                            values
                                .into_iter()
                                .flatten()
                                .map(|v| (table.clone(), column.clone(), v)),
                        );
                    }
                }
                pool.close().await;
            }
            Db::Postgres(pool) => {
                let columns: Vec<(String, String)> = sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema()",
                )
                .fetch_all(pool)
                .await
                .expect("columns");
                for (table, column) in columns {
                    let values: Vec<Option<String>> =
                        sqlx::query_scalar(&format!("SELECT \"{column}\"::text FROM \"{table}\""))
                            .fetch_all(pool)
                            .await
                            .expect("values");
                    cells.extend(
                        values
                            .into_iter()
                            .flatten()
                            .map(|v| (table.clone(), column.clone(), v.into_bytes())),
                    );
                }
            }
        }
        cells
    }

    /// [`TestApp::execute_either`] with SQL both stores read alike.
    pub async fn execute(&self, sql: &str) {
        self.execute_either(sql, sql).await;
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

async fn sqlite_pool(path: &Path) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
        .await
        .expect("pool on the registry's database")
}

/// A need record body with a title, a problem, one service and one use case.
pub fn need_json(id: &str, title: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "title": title,
        "problem": format!("Operators keep solving {id} by hand."),
        "persona": "cloud operator",
        "services": ["nova"],
        "links": ["https://bugs.launchpad.net/nova/+bug/1234567"],
        "use_cases": [{"persona": "cloud operator", "text": format!("I want {id} done in one command")}],
    })
}

pub fn publish_request(token: Option<&str>, archive: Vec<u8>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::PUT)
        .uri("/api/v1/assets")
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, archive.len());
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::from(archive)).expect("request")
}

pub async fn send(router: Router, request: Request<Body>) -> TestResponse {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    TestResponse {
        status,
        headers,
        body,
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).expect("under root").to_owned());
        }
    }
}

/// An asset to pack: the fields tests vary, everything else fixed.
#[derive(Debug, Clone)]
pub struct Asset {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub services: Vec<String>,
    pub releases: Option<String>,
    pub needs: Vec<String>,
    pub readme: String,
    /// More files: `(relative path, contents)`.
    pub files: Vec<(String, Vec<u8>)>,
    /// `[dependencies]`: `(name, requirement)`.
    pub dependencies: Vec<(String, String)>,
}

impl Asset {
    pub fn new(name: &str, version: &str) -> Asset {
        Asset {
            name: name.into(),
            version: version.into(),
            kind: "script".into(),
            description: format!("The {name} test asset"),
            keywords: vec!["testing".into()],
            services: vec!["nova".into()],
            releases: Some(">=2023.1, <=2024.2".into()),
            needs: vec![],
            readme: format!("# {name}\n\nA test asset.\n"),
            files: vec![],
            dependencies: vec![],
        }
    }

    pub fn toml(&self) -> String {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut toml = format!(
            "[asset]\nname = {:?}\nversion = {:?}\nkind = {:?}\ndescription = {:?}\nlicense = \"Apache-2.0\"\n\
             keywords = [{}]\n\n[openstack]\nservices = [{}]\n",
            self.name,
            self.version,
            self.kind,
            self.description,
            list(&self.keywords),
            list(&self.services),
        );
        if let Some(releases) = &self.releases {
            toml.push_str(&format!("releases = {releases:?}\n"));
        }
        if !self.needs.is_empty() {
            toml.push_str(&format!("\n[needs]\naddresses = [{}]\n", list(&self.needs)));
        }
        toml.push_str(&format!(
            "\n[entrypoints]\nbin = {{ {:?} = \"bin/run.sh\" }}\n",
            self.name
        ));
        if !self.dependencies.is_empty() {
            toml.push_str("\n[dependencies]\n");
            for (name, req) in &self.dependencies {
                toml.push_str(&format!("{name} = {req:?}\n"));
            }
        }
        toml
    }

    /// The packed archive.
    pub fn archive(&self) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("osops.toml"), self.toml()).expect("write manifest");
        std::fs::write(dir.path().join("README.md"), &self.readme).expect("write readme");
        std::fs::create_dir(dir.path().join("bin")).expect("bin");
        std::fs::write(dir.path().join("bin/run.sh"), "#!/bin/sh\necho hello\n")
            .expect("write script");
        for (path, contents) in &self.files {
            std::fs::write(dir.path().join(path), contents).expect("write file");
        }
        let manifest = Manifest::from_dir(dir.path()).expect("test manifest is valid");
        pack(dir.path(), &manifest, &Limits::default()).expect("pack")
    }
}
