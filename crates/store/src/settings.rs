//! A small key-value table for facts about the installation (for example, that it holds the
//! demo data).

use crate::{Result, Store};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?
        });
        Ok(row.map(|r| r.0))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
                .bind(key)
                .bind(value)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
