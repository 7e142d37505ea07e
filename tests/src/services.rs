//! The shared services of a scaled-out registry, for the end-to-end tests that need them:
//! `OSOPS_TEST_POSTGRES` (a database URL) and `OSOPS_TEST_S3` (`s3://BUCKET`, with the `AWS_*`
//! variables), which `scripts/dev-services.sh` prints and `.ci/run` sets.

/// A fresh schema of the test database and a fresh prefix of the test bucket, as the
/// `--database-url` and `--storage` of a registry, both named after `label`; `None`, saying the
/// test is skipped, when the services are not configured. Panics if they are configured and
/// PostgreSQL does not answer.
pub fn shared_storage(label: &str) -> Option<(String, String)> {
    let (Ok(postgres), Ok(bucket)) = (
        std::env::var("OSOPS_TEST_POSTGRES"),
        std::env::var("OSOPS_TEST_S3"),
    ) else {
        eprintln!("skipped: OSOPS_TEST_POSTGRES and OSOPS_TEST_S3 are not both set");
        return None;
    };
    let suffix = &crate::issuer::random_id()[..16];
    let schema = format!("osops_{label}_{suffix}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(&postgres).await.unwrap_or_else(|e| {
            panic!("OSOPS_TEST_POSTGRES is set, but PostgreSQL is unreachable: {e}")
        });
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .expect("create schema");
        pool.close().await;
    });
    let separator = if postgres.contains('?') { '&' } else { '?' };
    Some((
        format!("{postgres}{separator}options[search_path]={schema}"),
        format!("{}/{label}-{suffix}", bucket.trim_end_matches('/')),
    ))
}
