//! The node's error type, mapped once to HTTP status codes at the edge.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::core::store::{Refusal, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than 1 MiB")]
    TooLarge,
    /// An upload over its own limit, which the message names.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// An upload larger than the node accepts (the limit, in bytes).
    #[error("the file is larger than this node accepts ({0} bytes at most)")]
    FileTooLarge(u64),
    /// An upload of a kind that is not accepted, or whose claimed type lies.
    #[error("{0}")]
    UnsupportedType(String),
    /// Retry later: the request is fine but cannot be handled now.
    #[error("{0}")]
    Busy(String),
    #[error("a peer could not be reached or answered wrongly: {0}")]
    Peer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn bad(msg: impl Into<String>) -> AppError {
        AppError::BadRequest(msg.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge | AppError::PayloadTooLarge(_) | AppError::FileTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Peer(_) => StatusCode::BAD_GATEWAY,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(StoreError::Refused(Refusal::Missing)) => StatusCode::NOT_FOUND,
            AppError::Store(StoreError::Refused(_)) => StatusCode::CONFLICT,
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<activitypub_federation::error::Error> for AppError {
    fn from(e: activitypub_federation::error::Error) -> AppError {
        use activitypub_federation::error::Error as E;
        match e {
            E::NotFound | E::WebfingerResolveFailed(_) => AppError::NotFound,
            // A WebFinger answer that is not a JRD (a 404 page, say): no such account there.
            E::ParseFetchedObject(_, ref url, _) if url.path() == "/.well-known/webfinger" => {
                AppError::NotFound
            }
            E::UrlVerificationError(msg) => AppError::BadRequest(msg.to_string()),
            E::ActivitySignatureInvalid | E::ActivityBodyDigestInvalid => {
                AppError::Unauthorized(e.to_string())
            }
            other => AppError::Peer(other.to_string()),
        }
    }
}

impl From<coopnet_federation::signatures::SignatureError> for AppError {
    fn from(e: coopnet_federation::signatures::SignatureError) -> AppError {
        AppError::Unauthorized(e.to_string())
    }
}

/// Our own documents failing to serialise or stored ones failing to read back are our fault
/// (500); what a peer or client sends is checked where it is read, with its own 400.
impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::Internal(format!("JSON: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), error = %self, "request refused");
        }
        let message = match &self {
            AppError::Store(StoreError::Refused(refusal)) => refusal.to_string(),
            // Internal details stay in the log.
            AppError::Store(_) | AppError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        };
        (status, message).into_response()
    }
}
