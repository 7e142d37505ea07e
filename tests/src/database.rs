use std::path::Path;

/// Runs one SQL statement on a registry's SQLite database, as an operator with `sqlite3` would:
/// the way tests let time pass (an expiry date moved into the past) without waiting for it.
pub fn execute_sql(data_dir: &Path, sql: &str) {
    let url = format!("sqlite://{}", data_dir.join("registry.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the registry database");
        sqlx::query(sql)
            .execute(&mut db)
            .await
            .expect("run the statement");
        db.close().await.expect("close the database");
    });
}
