//! A client sends a file to its line's chat (A1): `POST /api/files?name=..&key=..` with the
//! session's token; the server keeps it and opens an appeal when none is open.

use linedesk_protocol::{SharedFile, encode_query_value};

use crate::{SimClient, SimError, http};

impl SimClient {
    /// Send `bytes` as the file `name` to the line's chat; a refusal (too large, no usable
    /// name) is [`SimError::Refused`] with the server's code.
    pub async fn send_file(&mut self, name: &str, bytes: Vec<u8>) -> Result<SharedFile, SimError> {
        self.next_key += 1;
        let key = format!("{}-file-{}", self.login, self.next_key);
        let path = format!(
            "/api/files?name={}&key={}",
            encode_query_value(name),
            encode_query_value(&key)
        );
        let bearer = (
            hyper::header::AUTHORIZATION,
            format!("Bearer {}", self.token),
        );
        let (status, body) = http::post(&self.server, &path, bearer, bytes).await?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| SimError::Protocol(format!("upload answer: {e}")));
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let code = serde_json::from_value(answer["code"].clone())
            .unwrap_or(linedesk_protocol::ErrorCode::Internal);
        Err(SimError::Refused {
            code,
            message: answer["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}
