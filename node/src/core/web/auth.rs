//! Logging in and out: Argon2 passwords, sessions in the database, CSRF tokens on every form.
//!
//! A session cookie holds a random token; the database holds only its SHA-256, so a copy of the
//! database cannot be used to log in. Each session has its own CSRF token, which every form
//! that changes something must send back. The login form, before any session exists, uses a
//! double-submit cookie instead.

use crate::core::error::AppError;
use crate::core::store::now_ms;
use crate::core::store::users::UserRow;
use crate::core::AppState;
use activitypub_federation::config::Data;
use axum::http::StatusCode;
use axum::{
    extract::{Form, FromRequestParts},
    http::{header, request::Parts, HeaderMap, HeaderValue},
    response::{IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use maud::html;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::web::page;

pub const SESSION_COOKIE: &str = "coopnet_session";
const LOGIN_CSRF_COOKIE: &str = "coopnet_login_csrf";
const SESSION_DAYS: i64 = 14;

/// A random token, 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    B64.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    B64.encode(Sha256::digest(token.as_bytes()))
}

/// A logged-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserRow,
    pub csrf: String,
    token_hash: String,
}

impl Session {
    /// Checks the CSRF token a form sent.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        if constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "the form has expired or came from another site; reload the page and try again"
                    .into(),
            ))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session, if the request carries a valid one.
pub struct MaybeUser(pub Option<Session>);

/// A session that must be there: otherwise the person is sent to log in.
pub struct User(pub Session);

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<HeaderValue> = headers.get_all(header::COOKIE).iter().cloned().collect();
    cookie_in(&values, name)
}

fn cookie_in(values: &[HeaderValue], name: &str) -> Option<String> {
    values
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

async fn load_session(parts: &mut Parts) -> Result<Option<Session>, AppError> {
    let data = Data::<AppState>::from_request_parts(parts, &())
        .await
        .map_err(|(_, msg)| AppError::Internal(msg.into()))?;
    let cookies: Vec<HeaderValue> = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .cloned()
        .collect();
    session_of(&data, &cookies).await
}

/// The session whose cookie is among `cookies` (the values of a request's Cookie headers).
pub async fn session_of(
    data: &AppState,
    cookies: &[HeaderValue],
) -> Result<Option<Session>, AppError> {
    let Some(token) = cookie_in(cookies, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some(session) = data.db.session(&hash, now_ms()).await? else {
        return Ok(None);
    };
    let Some(user) = data.db.user(session.user_id).await? else {
        return Ok(None);
    };
    Ok(Some(Session {
        user,
        csrf: session.csrf_token,
        token_hash: hash,
    }))
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        Ok(MaybeUser(load_session(parts).await?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match load_session(parts).await {
            Ok(Some(session)) => Ok(User(session)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

fn cookie_header(data: &Data<AppState>, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if data.settings.base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn login_page(data: Data<AppState>, MaybeUser(session): MaybeUser) -> Response {
    if session.is_some() {
        return Redirect::to("/").into_response();
    }
    let csrf = random_token();
    let page = crate::core::web::auth::login_form(&data, &csrf, None);
    (
        [(
            header::SET_COOKIE,
            cookie_header(&data, LOGIN_CSRF_COOKIE, &csrf, 3600),
        )],
        page,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: String,
}

pub async fn login(
    data: Data<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return AppError::Forbidden(
            "the login form has expired; reload the page and try again".into(),
        )
        .into_response();
    }
    match check_login(&data, &form.username, &form.password).await {
        Ok(Some(user)) => match start_session(&data, &user).await {
            Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response(),
            Err(e) => e.into_response(),
        },
        Ok(None) => {
            let csrf = random_token();
            let page = crate::core::web::auth::login_form(
                &data,
                &csrf,
                Some("Wrong username or password."),
            );
            (
                axum::http::StatusCode::UNAUTHORIZED,
                [(
                    header::SET_COOKIE,
                    cookie_header(&data, LOGIN_CSRF_COOKIE, &csrf, 3600),
                )],
                page,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The user, if the username exists and the password is right.
pub async fn check_login(
    data: &AppState,
    username: &str,
    password: &str,
) -> Result<Option<UserRow>, AppError> {
    let username = username.trim().to_ascii_lowercase();
    let Some(user) = data.db.user_by_username(&username).await? else {
        // Spend the same time as a real check, so timing does not tell which usernames exist.
        let _ = tokio::task::spawn_blocking(|| {
            crate::core::web::auth::hash_password("not a real password")
        })
        .await;
        return Ok(None);
    };
    let hash = user.password_hash.clone();
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        crate::core::web::auth::verify_password(&password, &hash)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ok.then_some(user))
}

async fn start_session(data: &Data<AppState>, user: &UserRow) -> Result<HeaderValue, AppError> {
    let token = random_token();
    let max_age = SESSION_DAYS * 24 * 3600;
    data.db
        .insert_session(
            &token_hash(&token),
            user.id,
            &random_token(),
            now_ms() + max_age * 1000,
        )
        .await?;
    Ok(cookie_header(data, SESSION_COOKIE, &token, max_age))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = session.check_csrf(&form.csrf) {
        return e.into_response();
    }
    if let Err(e) = data.db.delete_session(&session.token_hash).await {
        return AppError::from(e).into_response();
    }
    (
        [(
            header::SET_COOKIE,
            cookie_header(&data, SESSION_COOKIE, "", 0),
        )],
        Redirect::to("/"),
    )
        .into_response()
}

pub fn login_form(data: &AppState, csrf: &str, error: Option<&str>) -> Response {
    let body = html! {
        h1 { "Log in" }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            label for="username" { "Username" }
            input type="text" id="username" name="username" autocomplete="username" required;
            label for="password" { "Password" }
            input type="password" id="password" name="password" autocomplete="current-password" required;
            p { button type="submit" { "Log in" } }
        }
    };
    let mut response = page(data, "Log in", None, body);
    if error.is_some() {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    response
}

/// Hashes a password with Argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::{password_hash::SaltString, Argon2, PasswordHasher};
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}
