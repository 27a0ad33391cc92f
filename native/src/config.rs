//! One Envoy filter configuration served by the module: its chain of stages, loaded once per
//! Envoy worker, and its own work on the main thread.
//!
//! Why a copy of the chain per worker: Envoy shares one configuration between every worker
//! thread, while a stage may keep state between requests (the audit stage's buffer of events
//! for its HTTP sink) that proxy-wasm gives each worker's VM its own of. So the configuration
//! loads its chain once per worker (`get_concurrency`), a stream uses the copy of its worker
//! (`get_worker_index`), and each copy sits behind a mutex that only its worker and, for the
//! root's work, the main thread take: uncontended but for a timer tick.
//!
//! The root's work (the audit sink's timer and HTTP callouts) runs on Envoy's main thread:
//! - the ABI has no timer, so a [`Ticker`] thread posts an event through the configuration's
//!   scheduler at the period the stages asked for, and Envoy calls
//!   `envoy_dynamic_module_on_http_filter_config_scheduled` on the main thread for it;
//! - callouts go out from the configuration (`..._config_http_callout`), their answers arrive
//!   in `..._config_http_callout_done`, and [`RootShared`] remembers which copy sent which.
//!
//! Envoy never delays removing a dynamic module's configuration (proxy-wasm lets a root delay
//! its VM's shutdown until its buffered work is done). When a policy update replaces a
//! configuration, Envoy creates the new one first: the old one hands what its stages still hold
//! (audit events buffered for the HTTP sink) to the newest live configuration of the same filter
//! ([`pavise_core::chain::Stages::hand_over`]), whose timer sends them. With no successor
//! (Envoy stopping), the stages give it up ([`pavise_core::chain::Stages::abandon`]): the audit
//! events are counted as lost.

use crate::driver::{self, BodyView, StreamDriver};
use crate::host::{
    log_line, DmConfigHost, DmRootHost, DmStreamHost, LoadMetrics, PendingReply, RootShared,
};
use crate::metrics::MetricTable;
use pavise_core::chain::{Held, Stages};
use pavise_core::headers::HeaderList;
use pavise_core::host::{Callout, CalloutResponse, Host, HostError, LogLevel, MetricId, RootHost};
use pavise_core::policy::PolicyErrors;
use pavise_envoy_dm::callbacks as cb;
use pavise_envoy_dm::{ConfigEnvoyPtr, ConfigSchedulerPtr, FilterEnvoyPtr};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

/// How many callout answers may wait for their copy ([`AnyConfig::callout_done`]).
const MAX_WAITING_ANSWERS: usize = 1024;

/// Parses a chain's policy and defines its metrics.
pub type Loader<L> = for<'a, 'b> fn(&[u8], &'b mut DmConfigHost<'a>) -> Result<L, PolicyErrors>;

/// Envoy's configuration object. Envoy keeps it alive as long as the module's configuration
/// and calls back into it from the main thread only (ticks, callouts), which is where the
/// module uses it.
#[derive(Debug, Clone, Copy)]
struct EnvoyConfig(ConfigEnvoyPtr);

// SAFETY: see the type: the pointer is only handed back to Envoy, on its main thread.
unsafe impl Send for EnvoyConfig {}
// SAFETY: as above.
unsafe impl Sync for EnvoyConfig {}

/// One worker's copy of the chain and its root state.
struct Copy<L: Stages> {
    chain: L,
    root: L::Root,
}

/// A loaded configuration of one filter.
pub struct Config<L: Stages> {
    /// The filter's name in log lines (`pavise.auth`, `pavise.combined`).
    pub name: &'static str,
    /// Tells this configuration apart in a per-route configuration's cache ([`PerRoute`]).
    id: u64,
    loader: Loader<L>,
    /// Whether verdicts stay in memory (the chain holds the audit stage and more).
    in_memory_verdicts: bool,
    copies: Vec<Mutex<Copy<L>>>,
    table: MetricTable,
    shared: Arc<RootShared>,
    envoy: EnvoyConfig,
    ticker: Mutex<Option<Ticker>>,
}

/// What the hooks need of a configuration, whatever its chain.
pub trait AnyConfig: Send + Sync {
    /// A new stream's state.
    fn new_stream(self: Arc<Self>, filter: FilterEnvoyPtr) -> Box<dyn AnyStream>;
    /// A tick from the [`Ticker`], on the main thread.
    fn tick(&self);
    /// The answer to a callout, on the main thread.
    fn callout_done(&self, id: u64, response: &CalloutResponse);
    /// Envoy is removing the configuration: stop the ticker, hand held work to the newest
    /// configuration of the same filter if there is one (a policy update), else give it up.
    fn shut_down(&self);
    /// This configuration's id and filter name.
    fn identity(&self) -> (u64, &'static str);
    /// Takes over what a replaced configuration's copies of the chain held, copy by copy.
    fn take_over(&self, held: Vec<Vec<Held>>);
}

/// The configurations alive in the process: where a replaced one hands over what its stages
/// still hold (Envoy creates the new configuration before it removes the old one).
static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());

/// A live configuration: its id, its filter's name, and itself.
type Live = (u64, &'static str, Weak<dyn AnyConfig>);

/// Notes a configuration as alive.
pub fn register(config: &Arc<dyn AnyConfig>) {
    let (id, name) = config.identity();
    lock(&LIVE).push((id, name, Arc::downgrade(config)));
}

/// Forgets configuration `id`; the newest other live configuration of filter `name`.
fn successor(id: u64, name: &str) -> Option<Arc<dyn AnyConfig>> {
    let mut live = lock(&LIVE);
    live.retain(|(i, _, weak)| *i != id && weak.strong_count() > 0);
    live.iter()
        .filter(|(_, n, _)| *n == name)
        .max_by_key(|(i, _, _)| *i)
        .and_then(|(_, _, weak)| weak.upgrade())
}

/// What the hooks need of a stream. Each call returns the local reply to send, if the chain
/// answered: the hook sends it once this borrow of the stream has ended.
pub trait AnyStream {
    fn request_headers(
        &mut self,
        filter: FilterEnvoyPtr,
        end_of_stream: bool,
    ) -> (u32, Option<PendingReply>);
    fn request_body(
        &mut self,
        filter: FilterEnvoyPtr,
        end_of_stream: bool,
    ) -> (u32, Option<PendingReply>);
    fn request_trailers(&mut self, filter: FilterEnvoyPtr) -> (u32, Option<PendingReply>);
    fn response_headers(&mut self, filter: FilterEnvoyPtr) -> Option<PendingReply>;
    fn stream_complete(&mut self, filter: FilterEnvoyPtr);
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a stage was caught at the hook, which failed that request closed; the
    // copy's state is whole again once the panicking call unwound (no borrow outlives it).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<L> Config<L>
where
    L: Stages + Send,
    L::Root: Send,
{
    /// Loads `policy` once per worker and starts the root's work; `Err` names why not (the
    /// policy's path-named errors), and Envoy then refuses the configuration.
    pub fn load(
        name: &'static str,
        loader: Loader<L>,
        in_memory_verdicts: bool,
        policy: &[u8],
        envoy: ConfigEnvoyPtr,
    ) -> Result<Arc<Config<L>>, String> {
        // SAFETY: configurations are created on the main thread, where this may be called.
        let workers = unsafe { cb::envoy_dynamic_module_callback_get_concurrency() };
        let workers = usize::try_from(workers).unwrap_or(1).max(1);
        let mut table = MetricTable::default();
        let mut copies = Vec::with_capacity(workers);
        for _ in 0..workers {
            let mut host = DmConfigHost {
                metrics: LoadMetrics::Define {
                    config: envoy,
                    table: &mut table,
                },
            };
            let chain = loader(policy, &mut host).map_err(|e| format!("policy rejected: {e}"))?;
            copies.push(Mutex::new(Copy {
                chain,
                root: L::Root::default(),
            }));
        }
        let config = Config {
            name,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            loader,
            in_memory_verdicts,
            copies,
            table,
            shared: Arc::new(RootShared::new(workers)),
            envoy: EnvoyConfig(envoy),
            ticker: Mutex::new(None),
        };
        for (i, copy) in config.copies.iter().enumerate() {
            let mut copy = lock(copy);
            let Copy { chain, root } = &mut *copy;
            chain
                .start(&mut config.root_host(i), root)
                .map_err(|e| e.to_string())?;
        }
        if let Some(first) = config.copies.first() {
            let mut summaries = Vec::new();
            lock(first).chain.summaries(&mut summaries);
            for line in summaries {
                let line = if in_memory_verdicts {
                    format!("{name}: {line}")
                } else {
                    line
                };
                log_line(LogLevel::Info, &line);
            }
        }
        if config.shared.tick_period().is_some() {
            *lock(&config.ticker) = Some(Ticker::start(envoy, Arc::clone(&config.shared)));
        }
        Ok(Arc::new(config))
    }

    /// Hands each queued callout answer to the copy that sent it, unless that copy is busy or
    /// the callout is not noted yet (both: later, at the next answer or tick).
    fn deliver_answers(&self) {
        let answers = std::mem::take(&mut *lock(&self.shared.answers));
        let mut waiting = Vec::new();
        for (id, response) in answers {
            let Some(index) = self.shared.callout_copy(id) else {
                waiting.push((id, response));
                continue;
            };
            let (Some(copy), Ok(token)) = (self.copies.get(index), u32::try_from(id)) else {
                let _ = self.shared.take_callout(id);
                continue;
            };
            let mut copy = match copy.try_lock() {
                Ok(copy) => copy,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    waiting.push((id, response));
                    continue;
                }
            };
            let _ = self.shared.take_callout(id);
            let Copy { chain, root } = &mut *copy;
            let _ = chain.callout_response(&mut self.root_host(index), root, token, &response);
        }
        let mut answers = lock(&self.shared.answers);
        answers.extend(waiting);
        // An answer whose callout is never noted (Envoy answered a call it then reported as
        // failed) must not pile up.
        let excess = answers.len().saturating_sub(MAX_WAITING_ANSWERS);
        answers.drain(..excess);
    }

    fn root_host(&self, copy: usize) -> DmRootHost<'_> {
        DmRootHost {
            config: self.envoy.0,
            table: &self.table,
            shared: &self.shared,
            copy,
        }
    }
}

impl<L> AnyConfig for Config<L>
where
    L: Stages + Send,
    L::Root: Send,
{
    fn new_stream(self: Arc<Self>, filter: FilterEnvoyPtr) -> Box<dyn AnyStream> {
        // SAFETY: `filter` is the stream being created.
        let worker =
            unsafe { cb::envoy_dynamic_module_callback_http_filter_get_worker_index(filter) };
        let in_memory = self.in_memory_verdicts;
        Box::new(Stream {
            config: self,
            copy: usize::try_from(worker).unwrap_or(0),
            route: None,
            driver: StreamDriver::new(in_memory),
            responded: false,
        })
    }

    fn tick(&self) {
        for (i, copy) in self.copies.iter().enumerate() {
            let mut copy = lock(copy);
            let Copy { chain, root } = &mut *copy;
            // Nothing waits for the end of a delayed shutdown here (see the module docs).
            let _ = chain.tick(&mut self.root_host(i), root);
        }
        self.deliver_answers();
    }

    /// Queues the answer and delivers what can be: Envoy may answer a callout before the call
    /// that sent it has returned (while the sending copy is locked and the callout not yet
    /// noted), so answers wait in [`RootShared`] until both are settled.
    fn callout_done(&self, id: u64, response: &CalloutResponse) {
        lock(&self.shared.answers).push((id, response.clone()));
        self.deliver_answers();
    }

    fn shut_down(&self) {
        if let Some(ticker) = lock(&self.ticker).take() {
            ticker.stop();
        }
        if let Some(next) = successor(self.id, self.name) {
            let held: Vec<Vec<Held>> = self
                .copies
                .iter()
                .enumerate()
                .map(|(i, copy)| {
                    let mut copy = lock(copy);
                    let Copy { chain, root } = &mut *copy;
                    let mut held = Vec::new();
                    chain.hand_over(&mut self.root_host(i), root, &mut held);
                    held
                })
                .collect();
            next.take_over(held);
        }
        for (i, copy) in self.copies.iter().enumerate() {
            let mut copy = lock(copy);
            let Copy { chain, root } = &mut *copy;
            chain.abandon(&mut self.root_host(i), root);
            chain.unload(&mut self.root_host(i), root);
        }
    }

    fn identity(&self) -> (u64, &'static str) {
        (self.id, self.name)
    }

    fn take_over(&self, held: Vec<Vec<Held>>) {
        for (i, mut held) in held.into_iter().enumerate() {
            if held.is_empty() {
                continue;
            }
            let index = i % self.copies.len().max(1);
            if let Some(copy) = self.copies.get(index) {
                let mut copy = lock(copy);
                let Copy { chain, root } = &mut *copy;
                chain.take_over(&mut self.root_host(index), root, &mut held);
            }
        }
    }
}

/// One stream of a configuration.
struct Stream<L: Stages> {
    config: Arc<Config<L>>,
    /// The worker's copy of the chain.
    copy: usize,
    /// The chain of the route's own policy, when the route has one ([`PerRoute`]).
    route: Option<Arc<RouteChains<L>>>,
    driver: StreamDriver<L>,
    /// The chain's response phase has run (on its own local reply).
    responded: bool,
}

impl<L> Stream<L>
where
    L: Stages + Send,
    L::Root: Send,
{
    /// Runs `f` with the worker's chain and a host for `filter`; the local reply it left.
    fn with_chain<T>(
        &mut self,
        filter: FilterEnvoyPtr,
        body: BodyView,
        f: impl FnOnce(&mut StreamDriver<L>, Option<&L>, &mut DmStreamHost<'_>) -> T,
    ) -> (T, Option<PendingReply>) {
        let mut reply = None;
        let config = &self.config;
        let mut host = DmStreamHost {
            filter,
            table: &config.table,
            reply: &mut reply,
            body,
            reply_is_response: false,
        };
        let copies = match &self.route {
            Some(route) => &route.copies,
            None => &config.copies,
        };
        let out = match copies.get(self.copy % copies.len().max(1)) {
            Some(copy) => {
                let copy = lock(copy);
                f(&mut self.driver, Some(&copy.chain), &mut host)
            }
            None => f(&mut self.driver, None, &mut host),
        };
        let reply = reply.map(|reply| self.respond(filter, reply));
        (out, reply)
    }

    /// Runs the chain's response phase on its own local reply (Envoy does not run this
    /// filter's response hooks for it), and notes that the response phase is done.
    fn respond(&mut self, filter: FilterEnvoyPtr, reply: PendingReply) -> PendingReply {
        self.responded = true;
        let mut reply = Some(reply);
        let config = &self.config;
        let mut host = DmStreamHost {
            filter,
            table: &config.table,
            reply: &mut reply,
            body: BodyView::None,
            reply_is_response: true,
        };
        let copies = match &self.route {
            Some(route) => &route.copies,
            None => &config.copies,
        };
        if let Some(copy) = copies.get(self.copy % copies.len().max(1)) {
            let copy = lock(copy);
            self.driver.response_headers(Some(&copy.chain), &mut host);
        }
        let PendingReply {
            status,
            headers,
            body,
        } = reply.unwrap_or_else(|| PendingReply {
            status: 500,
            headers: Vec::new(),
            body: Vec::new(),
        });
        PendingReply {
            status,
            headers,
            body,
        }
    }
}

impl<L> AnyStream for Stream<L>
where
    L: Stages + Send,
    L::Root: Send,
{
    fn request_headers(
        &mut self,
        filter: FilterEnvoyPtr,
        end_of_stream: bool,
    ) -> (u32, Option<PendingReply>) {
        let name = self.config.name;
        // The route is known now: its own policy, if it has one, decides the whole stream.
        // SAFETY: `filter` is the stream of the current hook.
        let route =
            unsafe { cb::envoy_dynamic_module_callback_get_most_specific_route_config(filter) };
        // SAFETY: Envoy hands back a pointer this module returned from
        // `on_http_filter_per_route_config_new`, alive while the route is.
        let refused = match unsafe { route.cast::<PerRoute>().as_ref() } {
            None => false,
            Some(route) => match self.config.route_chains(route) {
                Ok(chains) => {
                    self.route = Some(chains);
                    false
                }
                Err(e) => {
                    log_line(LogLevel::Error, &format!("{name}: {e}"));
                    true
                }
            },
        };
        let (flow, reply) = self.with_chain(filter, BodyView::None, |driver, chain, host| {
            driver.request_headers(chain.filter(|_| !refused), host, end_of_stream, name)
        });
        (driver::headers_status(flow), reply)
    }

    fn request_body(
        &mut self,
        filter: FilterEnvoyPtr,
        end_of_stream: bool,
    ) -> (u32, Option<PendingReply>) {
        let view = self.driver.body_view();
        let (flow, reply) = self.with_chain(filter, view, |driver, chain, host| {
            let size = host.body_size();
            driver.request_body(chain, host, size, end_of_stream)
        });
        (driver::body_status(flow), reply)
    }

    fn request_trailers(&mut self, filter: FilterEnvoyPtr) -> (u32, Option<PendingReply>) {
        let (flow, reply) = self.with_chain(filter, BodyView::Buffered, |driver, chain, host| {
            driver.request_trailers(chain, host)
        });
        (driver::trailers_status(flow), reply)
    }

    fn response_headers(&mut self, filter: FilterEnvoyPtr) -> Option<PendingReply> {
        if self.responded {
            return None;
        }
        self.with_chain(filter, BodyView::None, |driver, chain, host| {
            driver.response_headers(chain, host)
        })
        .1
    }

    fn stream_complete(&mut self, filter: FilterEnvoyPtr) {
        self.with_chain(filter, BodyView::None, |driver, chain, host| {
            driver.log(chain, host)
        });
    }
}

/// Hands out [`Config`] ids.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A route's own policy for one filter (Envoy's `DynamicModuleFilterPerRoute`, on the route's
/// or virtual host's `typed_per_filter_config` under the filter's name): it replaces the
/// filter's policy for requests on that route. `per_route_config_name` names the filter
/// (`pavise.auth`, `pavise.combined`), and `filter_config` is that filter's policy, checked when
/// Envoy loads the route.
///
/// Envoy allows defining metrics only on the filter's configuration, so a route's chain counts
/// into the metrics the filter's policy defined, matched by stat name; a metric only the
/// route's policy has (e.g. a CORS route name the filter's policy lacks) is left uncounted. A
/// route's chain has no root: a policy that needs one (an audit HTTP sink, which a timer and
/// callouts flush) is refused, as the filter's own policy must carry it.
pub struct PerRoute {
    /// The filter the policy is for.
    pub name: String,
    policy: Vec<u8>,
    /// The chains loaded from the policy, one set per filter configuration that used it.
    loaded: Mutex<Vec<(u64, Arc<dyn Any + Send + Sync>)>>,
}

impl PerRoute {
    pub fn new(name: String, policy: Vec<u8>) -> PerRoute {
        PerRoute {
            name,
            policy,
            loaded: Mutex::new(Vec::new()),
        }
    }
}

/// A route's chain, one copy per worker.
struct RouteChains<L: Stages> {
    copies: Vec<Mutex<Copy<L>>>,
}

/// Checks a route's policy for filter `loader`'s chain: it must load, and must need no root
/// (no timer, no callouts).
pub fn check_route_policy<L: Stages>(loader: Loader<L>, policy: &[u8]) -> Result<(), String> {
    let mut table = MetricTable::default();
    let chain = loader(
        policy,
        &mut DmConfigHost {
            metrics: LoadMetrics::Scratch(&mut table),
        },
    )
    .map_err(|e| format!("policy rejected: {e}"))?;
    let mut probe = RootProbe { asked: false };
    chain
        .start(&mut probe, &mut L::Root::default())
        .map_err(|e| e.to_string())?;
    if probe.asked {
        return Err(
            "policy rejected: a route's policy cannot have an audit HTTP sink (its timer \
                    and callouts belong to the filter's own policy)"
                .into(),
        );
    }
    Ok(())
}

/// A root host that only notes whether a stage asked for a timer or a callout.
struct RootProbe {
    asked: bool,
}

impl Host for RootProbe {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        log_line(level, message);
        Ok(())
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        Ok(0)
    }

    fn add_to_metric(&mut self, _metric: MetricId, _delta: i64) -> Result<(), HostError> {
        Ok(())
    }

    fn record_metric(&mut self, _metric: MetricId, _value: u64) -> Result<(), HostError> {
        Ok(())
    }

    fn property(&mut self, _path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        Ok(None)
    }
}

impl RootHost for RootProbe {
    fn set_tick_period(&mut self, period: Duration) -> Result<(), HostError> {
        self.asked |= !period.is_zero();
        Ok(())
    }

    fn post(&mut self, _callout: &Callout<'_>) -> Result<u32, HostError> {
        self.asked = true;
        Err(HostError::Unavailable {
            call: "http_callout",
        })
    }

    fn done(&mut self) -> Result<(), HostError> {
        Ok(())
    }
}

impl<L> Config<L>
where
    L: Stages + Send,
    L::Root: Send,
{
    /// The chains of `route`'s policy for this configuration, loaded at its first request.
    fn route_chains(&self, route: &PerRoute) -> Result<Arc<RouteChains<L>>, String> {
        if route.name != self.name {
            return Err(format!(
                "the route's per-route configuration is for '{}', not this filter",
                route.name
            ));
        }
        let mut loaded = lock(&route.loaded);
        if let Some((_, any)) = loaded.iter().find(|(id, _)| *id == self.id) {
            if let Ok(chains) = Arc::clone(any).downcast::<RouteChains<L>>() {
                return Ok(chains);
            }
        }
        let mut copies = Vec::with_capacity(self.copies.len());
        for _ in 0..self.copies.len() {
            let mut host = DmConfigHost {
                metrics: LoadMetrics::Lookup(&self.table),
            };
            let chain = (self.loader)(&route.policy, &mut host)
                .map_err(|e| format!("the route's policy: {e}"))?;
            copies.push(Mutex::new(Copy {
                chain,
                root: L::Root::default(),
            }));
        }
        let chains = Arc::new(RouteChains { copies });
        loaded.push((self.id, Arc::clone(&chains) as Arc<dyn Any + Send + Sync>));
        Ok(chains)
    }
}

/// The configuration's scheduler, handed to the ticker thread. Envoy allows committing events
/// from any thread; the module deletes it after the thread has stopped.
struct Scheduler(ConfigSchedulerPtr);

// SAFETY: see the type.
unsafe impl Send for Scheduler {}

/// A thread that wakes Envoy's main thread at the tick period the stages asked for (the ABI
/// has no timer of its own).
struct Ticker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<Scheduler>>,
}

/// How often the ticker looks at the period when no stage asked for ticks.
const IDLE_TICK: Duration = Duration::from_millis(250);

impl Ticker {
    fn start(envoy: ConfigEnvoyPtr, shared: Arc<RootShared>) -> Ticker {
        // SAFETY: main thread, on the configuration being created.
        let scheduler = Scheduler(unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_scheduler_new(envoy)
        });
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("pavise-ticker".into())
            .spawn(move || {
                let (flag, wake) = &*signal;
                loop {
                    let period = shared.tick_period();
                    let stopped = lock(flag);
                    let (stopped, _) = wake
                        .wait_timeout(stopped, period.unwrap_or(IDLE_TICK))
                        .unwrap_or_else(|e| e.into_inner());
                    if *stopped {
                        return scheduler;
                    }
                    drop(stopped);
                    if period.is_some() {
                        // SAFETY: the scheduler lives until this thread has returned it.
                        unsafe {
                            cb::envoy_dynamic_module_callback_http_filter_config_scheduler_commit(
                                scheduler.0,
                                0,
                            )
                        };
                    }
                }
            });
        match thread {
            Ok(thread) => Ticker {
                stop,
                thread: Some(thread),
            },
            Err(e) => {
                log_line(
                    LogLevel::Error,
                    &format!("pavise: cannot start the timer thread ({e}): no ticks"),
                );
                Ticker { stop, thread: None }
            }
        }
    }

    /// Stops the thread and deletes the scheduler.
    fn stop(self) {
        drop(self);
    }
}

/// Whatever drops the ticker (a configuration shutting down, or one whose creation failed after
/// it started) stops its thread before the scheduler goes: the thread never commits through a
/// deleted scheduler.
impl Drop for Ticker {
    fn drop(&mut self) {
        let (flag, wake) = &*self.stop;
        *lock(flag) = true;
        wake.notify_all();
        if let Some(Ok(scheduler)) = self.thread.take().map(JoinHandle::join) {
            // SAFETY: the thread that committed through it has returned.
            unsafe {
                cb::envoy_dynamic_module_callback_http_filter_config_scheduler_delete(scheduler.0)
            };
        }
    }
}

/// The answer to a callout as the stages see it.
pub fn callout_response(headers: HeaderList) -> CalloutResponse {
    CalloutResponse {
        status: headers.get_str(":status").and_then(|s| s.parse().ok()),
        headers,
    }
}
