//! The sector's working time for the incident clocks, as the system administrator saved it.

use lanhmang_domain::incident::clock::{WorkingTime, hour_minute_text as hour_minute, parse_hour_minute};
use time::{OffsetDateTime, Weekday};

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now};

#[derive(sqlx::FromRow)]
struct WorkingTimeRow {
    day_start: String,
    day_end: String,
    weekdays: String,
    holidays: String,
    updated_at: OffsetDateTime,
}

/// The saved working time and when it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedWorkingTime {
    pub working_time: WorkingTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<WorkingTimeRow> for SavedWorkingTime {
    type Error = StoreError;

    fn try_from(r: WorkingTimeRow) -> Result<SavedWorkingTime> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("giờ làm việc: {what}"));
        let weekdays = r
            .weekdays
            .split_whitespace()
            .map(|n| {
                n.parse::<u8>()
                    .ok()
                    .filter(|n| (1..=7).contains(n))
                    .map(|n| Weekday::Sunday.nth_next(n))
                    .ok_or_else(|| corrupt(&r.weekdays))
            })
            .collect::<Result<Vec<_>>>()?;
        let holidays = WorkingTime::parse_holidays(&r.holidays).map_err(|_| corrupt(&r.holidays))?;
        Ok(SavedWorkingTime {
            working_time: WorkingTime {
                day_start: parse_hour_minute(&r.day_start).ok_or_else(|| corrupt(&r.day_start))?,
                day_end: parse_hour_minute(&r.day_end).ok_or_else(|| corrupt(&r.day_end))?,
                weekdays,
                holidays,
            },
            updated_at: r.updated_at,
        })
    }
}

impl Store {
    /// The working time saved for the sector; none until the system administrator saves one.
    pub async fn incident_working_time(&self) -> Result<Option<SavedWorkingTime>> {
        let row: Option<WorkingTimeRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT day_start, day_end, weekdays, holidays, updated_at FROM incident_working_time WHERE id = 1"
        )
        .fetch_optional(pool)
        .await?);
        row.map(SavedWorkingTime::try_from).transpose()
    }

    /// Saves the sector's working time, audited. Due times already set stay as they are; the
    /// next change of each case's clock uses the new time.
    pub async fn save_incident_working_time(&self, ctx: &AuditContext, wt: &WorkingTime) -> Result<()> {
        let weekdays = wt
            .weekdays
            .iter()
            .map(|d| d.number_from_monday().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let holidays = wt.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" ");
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO incident_working_time (id, day_start, day_end, weekdays, holidays, updated_by, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET day_start = $1, day_end = $2, \
                 weekdays = $3, holidays = $4, updated_by = $5, updated_at = $6",
            )
            .bind(hour_minute(wt.day_start))
            .bind(hour_minute(wt.day_end))
            .bind(&weekdays)
            .bind(&holidays)
            .bind(ctx.actor_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "incident_working_time.save",
                "incident_working_time".to_string(),
                format!(
                    "{}–{}, thứ {}, {} ngày nghỉ",
                    hour_minute(wt.day_start),
                    hour_minute(wt.day_end),
                    weekdays,
                    wt.holidays.len()
                )
            );
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::incident::clock::WorkingTime;
    use time::Weekday;
    use time::macros::{date, time};

    use crate::AuditContext;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(the_working_time_is_saved_and_read_back);
    async fn the_working_time_is_saved_and_read_back(backend: &'static str) {
        let (_db, store) = TestDb::store(backend).await.unwrap();
        assert_eq!(store.incident_working_time().await.unwrap(), None, "{backend}");
        let mut wt = WorkingTime::vietnam_default();
        wt.day_start = time!(7:30);
        wt.day_end = time!(16:45);
        wt.weekdays = vec![Weekday::Monday, Weekday::Saturday, Weekday::Sunday];
        wt.holidays.insert(date!(2027 - 11 - 20));
        let ctx = AuditContext::system("test");
        store.save_incident_working_time(&ctx, &wt).await.unwrap();
        let saved = store.incident_working_time().await.unwrap().unwrap();
        assert_eq!(saved.working_time, wt, "{backend}");
        wt.holidays.clear();
        store.save_incident_working_time(&ctx, &wt).await.unwrap();
        let saved = store.incident_working_time().await.unwrap().unwrap();
        assert_eq!(saved.working_time, wt, "{backend}");
        assert_eq!(
            store.verify_audit_chain().await.unwrap().first_broken,
            None,
            "{backend}"
        );
    }
}
