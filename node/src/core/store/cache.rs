//! Recent query pages, kept until anything in their tables changes in this process, and at most
//! a couple of seconds (another process sharing a PostgreSQL database may have changed them).
//!
//! A feature keys its pages and marks its writes with [`PageCache::change`]; the cache does not
//! know what the pages hold.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

const TTL: Duration = Duration::from_secs(2);
const MAX_PAGES: usize = 20_000;

#[derive(Default)]
pub struct PageCache {
    generation: AtomicU64,
    pages: Mutex<HashMap<String, CachedPage>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

struct CachedPage {
    generation: u64,
    at: Instant,
    entries: Arc<dyn Any + Send + Sync>,
}

/// Marks the cache changed when dropped, that is after the caller's writes: a page read
/// meanwhile was read under the older generation and is not reused.
pub struct Change<'a>(&'a PageCache);

impl Drop for Change<'_> {
    fn drop(&mut self) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl PageCache {
    /// The page cached under `key`, if it is fresh and of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let generation = self.generation.load(Ordering::Acquire);
        let pages = self.pages.lock().ok()?;
        let page = pages.get(key)?;
        if page.generation != generation || page.at.elapsed() >= TTL {
            return None;
        }
        page.entries.clone().downcast::<T>().ok()
    }

    /// The generation to pass to [`PageCache::put`], read before the query: a change during the
    /// query makes its page stale at once.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn put<T: Send + Sync + 'static>(&self, key: String, generation: u64, entries: Arc<T>) {
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
            pages.insert(
                key,
                CachedPage {
                    generation,
                    at: Instant::now(),
                    entries,
                },
            );
        }
    }

    pub fn change(&self) -> Change<'_> {
        Change(self)
    }
}
