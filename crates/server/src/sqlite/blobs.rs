//! Downloads of files and recordings (issue 12): the metadata first, for the permission check,
//! then the bytes in chunks, never under the writers' lock. A file's bytes are read with
//! SQLite's incremental blob I/O on the readers' connections (`reader.rs`; WAL lets them read
//! while the writer writes); a recording's from its file in `recordings/`. An in-memory
//! database has no second connection: its chunks are read on the main one, one chunk per lock.

use std::io::{Read, Seek, SeekFrom};

use rusqlite::{Connection, MAIN_DB, OptionalExtension};

use super::call_repo::RecordingFiles;
use super::{SqliteStorage, id, sql_id};
use crate::storage::{BlobId, BlobMeta, StorageError};

/// Run `read` on a reader connection beside the writer, or on the main one for an in-memory
/// database.
fn with_reader<T>(
    storage: &SqliteStorage,
    read: impl FnOnce(&Connection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    match &storage.readers {
        Some(readers) => readers.with(read),
        None => read(&storage.inner().conn),
    }
}

pub(super) fn meta(
    storage: &SqliteStorage,
    blob: BlobId,
) -> Result<Option<BlobMeta>, StorageError> {
    with_reader(storage, |conn| match blob {
        BlobId::File(file) => Ok(conn
            .query_row(
                "SELECT line_id, client_id, name, size FROM files WHERE id = ?1",
                [sql_id(file)],
                |r| {
                    Ok(BlobMeta {
                        line: id(r.get(0)?),
                        client: id(r.get(1)?),
                        specialist: None,
                        name: r.get(2)?,
                        size: Some(id(r.get(3)?)),
                    })
                },
            )
            .optional()?),
        BlobId::Recording(call) => {
            let Some(c) = super::call_repo::load(conn, call)? else {
                return Ok(None);
            };
            let size: Option<i64> = conn
                .query_row(
                    "SELECT bytes FROM call_recordings WHERE call_id = ?1",
                    [sql_id(call)],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(Some(BlobMeta {
                line: c.line,
                client: c.client,
                specialist: c.specialist,
                name: String::new(),
                size: size.map(id),
            }))
        }
    })
}

pub(super) fn chunk(
    storage: &SqliteStorage,
    blob: BlobId,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, StorageError> {
    match blob {
        BlobId::File(file) => with_reader(storage, |conn| {
            let blob = conn.blob_open(MAIN_DB, c"files", c"bytes", sql_id(file), true)?;
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(blob.len());
            let mut bytes = vec![0u8; len.min(blob.len() - start)];
            blob.read_at_exact(&mut bytes, start)?;
            Ok(bytes)
        }),
        BlobId::Recording(call) => match &storage.files {
            RecordingFiles::Dir(dir) => {
                let mut file = std::fs::File::open(RecordingFiles::path(dir, call))?;
                file.seek(SeekFrom::Start(offset))?;
                let mut bytes = Vec::with_capacity(len);
                file.take(len as u64).read_to_end(&mut bytes)?;
                Ok(bytes)
            }
            RecordingFiles::Memory(map) => {
                let map = map
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let all = map.get(&call).map_or(&[][..], Vec::as_slice);
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(all.len());
                let end = start.saturating_add(len).min(all.len());
                Ok(all[start..end].to_vec())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;
    use crate::storage::{Storage, Subject};

    #[test]
    fn a_file_is_read_in_chunks_while_the_writers_lock_is_held() {
        let dir = tempfile::tempdir().expect("dir");
        let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("storage");
        let line = storage.add_line("Линия").expect("line");
        let client = storage.add_client(line, "Клиент").expect("client");
        let anna = storage
            .add_specialist("anna", &hash_password("p").expect("hash"), "Анна")
            .expect("anna");
        storage.serve_line(anna, line, 0, 5).expect("serve");
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (shared, _) = storage
            .share_file(
                Subject::specialist(anna),
                Some((line, client)),
                "data.bin",
                &bytes,
                None,
                1,
            )
            .expect("share");
        let file = BlobId::File(shared.file);
        let meta = storage.blob_meta(file).expect("meta").expect("found");
        assert_eq!(
            (meta.line, meta.client, meta.size),
            (line, client, Some(300_000))
        );
        assert_eq!(storage.blob_meta(BlobId::File(999)).expect("meta"), None);

        let storage = std::sync::Arc::new(storage);
        let held = storage.inner();
        let reader = storage.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut read = Vec::new();
            let mut offset = 0u64;
            loop {
                let chunk = reader.blob_chunk(file, offset, 65_536).expect("chunk");
                if chunk.is_empty() {
                    break;
                }
                offset += chunk.len() as u64;
                read.extend(chunk);
            }
            let _ = tx.send(read);
        });
        let read = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("read while the writers' lock is held");
        drop(held);
        assert_eq!(read, bytes);
    }
}
