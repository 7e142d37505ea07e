//! Needs, votes and yanks: the API calls of `osops need …` and `osops yank`.
//!
//! Reads are GETs, retried like every GET. Writes carry the bearer token, are sent once (the
//! caller sees every answer), and fail with [`Error::NoToken`] before sending anything when the
//! client has no token.

use osops_index::{AssetName, NeedRecord};
use reqwest::Method;

use super::types::{Need, NeedInfo, NeedList, NeedQuery, NeedSaved, Vote, Yank};
use super::{Client, Error, Reporter, decode};

impl Client {
    /// `GET /api/v1/needs?…`.
    pub fn list_needs(
        &self,
        query: &NeedQuery,
        reporter: &dyn Reporter,
    ) -> Result<NeedList, Error> {
        self.or_mirror(
            || {
                let url = reqwest::Url::parse_with_params(
                    &format!("{}/api/v1/needs", self.base),
                    query.pairs(),
                )
                .map_err(|_| Error::BadRegistryUrl(self.base.clone()))?
                .to_string();
                let body = self.get_bytes(&url, reporter)?;
                let raw: serde_json::Value = decode(&url, &body)?;
                let mut list: NeedList = from_value(&url, &raw)?;
                list.raw = raw;
                Ok(list)
            },
            || self.mirror_needs(query, reporter),
        )
    }

    /// `GET /api/v1/needs/{id}`: the need with its answers.
    pub fn get_need(&self, id: &AssetName, reporter: &dyn Reporter) -> Result<Need, Error> {
        self.or_mirror(
            || {
                let url = format!("{}/api/v1/needs/{id}", self.base);
                let body = self.get_bytes(&url, reporter)?;
                need(&url, &body)
            },
            || self.mirror_need(id, reporter),
        )
    }

    /// `POST /api/v1/needs`: files a new need; `409` if the id exists.
    pub fn create_need(&self, record: &NeedRecord) -> Result<Need, Error> {
        let url = format!("{}/api/v1/needs", self.base);
        let (_, body) = self.send_json(Method::POST, &url, Some(record), WRITE_NEEDS)?;
        need(&url, &body)
    }

    /// `PUT /api/v1/needs/{id}`: creates the need or updates it (only its creator may).
    pub fn put_need(&self, record: &NeedRecord) -> Result<NeedSaved, Error> {
        let url = format!("{}/api/v1/needs/{}", self.base, record.id);
        let (status, body) = self.send_json(Method::PUT, &url, Some(record), WRITE_NEEDS)?;
        let raw = if body.iter().all(u8::is_ascii_whitespace) {
            serde_json::Value::Null
        } else {
            decode(&url, &body)?
        };
        Ok(NeedSaved {
            id: record.id.to_string(),
            created: status == 201,
            raw,
        })
    }

    /// `PUT /api/v1/needs/{id}/vote`: voting twice counts once.
    pub fn vote(&self, id: &AssetName) -> Result<Vote, Error> {
        let url = format!("{}/api/v1/needs/{id}/vote", self.base);
        let (_, body) = self.send_json(Method::PUT, &url, None::<&()>, "voting")?;
        decode(&url, &body)
    }

    /// `DELETE /api/v1/needs/{id}/vote`.
    pub fn unvote(&self, id: &AssetName) -> Result<Vote, Error> {
        let url = format!("{}/api/v1/needs/{id}/vote", self.base);
        let (_, body) = self.send_json(Method::DELETE, &url, None::<&()>, "voting")?;
        decode(&url, &body)
    }

    /// `DELETE /api/v1/assets/{name}/{version}/yank`, with `{"reason"}` as the body when there is
    /// a reason: owners only; idempotent.
    pub fn yank(
        &self,
        name: &AssetName,
        version: &semver::Version,
        reason: Option<&str>,
    ) -> Result<Yank, Error> {
        let url = format!("{}/api/v1/assets/{name}/{version}/yank", self.base);
        let body = reason.map(|reason| serde_json::json!({ "reason": reason }));
        let (_, body) = self.send_json(Method::DELETE, &url, body.as_ref(), "yanking")?;
        decode(&url, &body)
    }

    /// `PUT /api/v1/assets/{name}/{version}/unyank`: owners only; idempotent.
    pub fn unyank(&self, name: &AssetName, version: &semver::Version) -> Result<Yank, Error> {
        let url = format!("{}/api/v1/assets/{name}/{version}/unyank", self.base);
        let (_, body) = self.send_json(Method::PUT, &url, None::<&()>, "unyanking")?;
        decode(&url, &body)
    }

    /// Sends an authenticated request once, with `body` as JSON when there is one.
    pub(super) fn send_json<T: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        url: &str,
        body: Option<&T>,
        action: &'static str,
    ) -> Result<(u16, Vec<u8>), Error> {
        let token = self.token(action)?;
        let mut request = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| Error::Decode {
                url: url.to_owned(),
                message: format!("cannot encode the request: {e}"),
            })?;
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        self.send_once_status(url, request)
    }
}

/// What creating or updating needs is called in [`Error::NoToken`].
const WRITE_NEEDS: &str = "writing to the registry";

fn need(url: &str, body: &[u8]) -> Result<Need, Error> {
    let raw: serde_json::Value = decode(url, body)?;
    let info: NeedInfo = from_value(url, &raw)?;
    Ok(Need { info, raw })
}

pub(super) fn from_value<T: serde::de::DeserializeOwned>(
    url: &str,
    raw: &serde_json::Value,
) -> Result<T, Error> {
    T::deserialize(raw).map_err(|e| Error::Decode {
        url: url.to_owned(),
        message: e.to_string(),
    })
}
