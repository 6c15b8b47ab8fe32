//! W1: the profile as it reaches the line: this specialist's own (queued for the server when
//! it changes: the name and position as an action, the avatar's bytes as an upload the sync
//! makes), and the colleagues' as the server announced them (`SpecialistProfiled`), their
//! avatars fetched by the sync when their version changed and kept as `data:` URLs (the
//! window's CSP allows images from `data:` only besides the app).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

/// The bytes of a `data:image/...;base64,` avatar (the profile's form); `None` for anything
/// else.
pub fn avatar_bytes(data_url: &str) -> Option<Vec<u8>> {
    let rest = data_url.strip_prefix("data:image/")?;
    let (_, encoded) = rest.split_once(";base64,")?;
    STANDARD.decode(encoded).ok()
}

/// A colleague's profile change from the line's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColleagueProfileChange {
    pub id: i64,
    pub name: String,
    pub position: String,
    /// The avatar's version on the server (0: none).
    pub avatar: i64,
}

/// Apply it to every line's row of the colleague (inside the replica's transaction).
pub(crate) fn apply(tx: &rusqlite::Transaction<'_>, change: &ColleagueProfileChange) -> Result<()> {
    tx.execute(
        "UPDATE colleagues SET name = ?2, position = ?3,
             avatar = CASE WHEN ?4 = 0 THEN NULL ELSE avatar END,
             avatar_fetched = CASE WHEN ?4 = 0 THEN 0 ELSE avatar_fetched END,
             avatar_version = ?4
         WHERE specialist_id = ?1",
        rusqlite::params![change.id, change.name, change.position, change.avatar],
    )?;
    Ok(())
}

impl Store {
    /// Colleagues whose announced avatar was not fetched yet: (id, version).
    pub fn colleague_avatars_to_fetch(&self) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT specialist_id, MAX(avatar_version) FROM colleagues
             WHERE avatar_version > 0 AND avatar_fetched <> avatar_version
             GROUP BY specialist_id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Keep colleague `id`'s avatar of `version` as the server served it, when its bytes are an
    /// image (the domain's check: its type read from them); anything else is refused and never
    /// shown.
    pub fn set_colleague_avatar(&self, id: i64, version: i64, bytes: &[u8]) -> Result<()> {
        let kind = linedesk_domain::avatar::check_avatar(bytes)
            .map_err(|e| StoreError::invalid("avatar", e.to_string()))?;
        let url = format!(
            "data:{};base64,{}",
            kind.content_type(),
            STANDARD.encode(bytes)
        );
        self.conn.execute(
            "UPDATE colleagues SET avatar = ?3, avatar_fetched = ?2
             WHERE specialist_id = ?1 AND avatar_version = ?2",
            rusqlite::params![id, version, url],
        )?;
        Ok(())
    }

    /// A colleague's avatar that cannot be fetched (gone meanwhile): not asked again for it.
    pub fn skip_colleague_avatar(&self, id: i64, version: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE colleagues SET avatar_fetched = ?2 WHERE specialist_id = ?1",
            rusqlite::params![id, version],
        )?;
        Ok(())
    }

    /// Save the profile (W1) and queue what the line must learn of it: the name and position
    /// when they changed (`profile.set`), the avatar when it changed (`profile.avatar`, which
    /// the sync uploads from the profile as it is then).
    pub fn save_profile_for_line(
        &self,
        profile: &crate::Profile,
        now_ms: i64,
    ) -> Result<crate::Profile> {
        let before = self.profile()?;
        let saved = profile.validated()?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        crate::profile::put(&tx, &saved)?;
        if (before.full_name != saved.full_name || before.position != saved.position)
            && !saved.full_name.is_empty()
        {
            let payload = serde_json::json!({
                "name": saved.full_name, "position": saved.position,
            });
            outbox::push(&tx, &device, "profile.set", &payload, now_ms)?;
        }
        if before.avatar != saved.avatar {
            outbox::push(
                &tx,
                &device,
                "profile.avatar",
                &serde_json::json!({}),
                now_ms,
            )?;
        }
        tx.commit()?;
        self.profile()
    }
}
