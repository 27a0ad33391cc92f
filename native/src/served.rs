//! Which chain a filter configuration runs, by its `filter_name`: each Pavise filter alone
//! (`pavise.audit`, `pavise.cors`, `pavise.auth`, `pavise.screen`, the names of
//! [`Filter::name`]), or the combined chain ([`pavise_combined::FILTER_NAME`]). The policy is
//! the same JSON each Wasm filter takes as its configuration.

use crate::config::{check_route_policy, AnyConfig, Config};
use crate::host::DmConfigHost;
use pavise_audit::stage::AuditStage;
use pavise_auth::stage::AuthStage;
use pavise_core::filter::Filter;
use pavise_core::policy::PolicyErrors;
use pavise_core::stage::Stage;
use pavise_cors::stage::CorsStage;
use pavise_envoy_dm::ConfigEnvoyPtr;
use pavise_screen::stage::ScreenStage;
use std::sync::Arc;

/// Every filter name the module serves.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Filter::ALL.iter().map(|f| f.name()).collect();
    names.push(pavise_combined::FILTER_NAME);
    names
}

fn load_one<S: Stage>(
    json: &[u8],
    host: &mut DmConfigHost<'_>,
) -> Result<(Option<S>, ()), PolicyErrors> {
    Ok((Some(S::load(json, host)?), ()))
}

fn one<S>(policy: &[u8], envoy: ConfigEnvoyPtr) -> Result<Arc<dyn AnyConfig>, String>
where
    S: Stage + Send,
    S::Root: Send,
{
    let config: Arc<dyn AnyConfig> =
        Config::<(Option<S>, ())>::load(S::FILTER.name(), load_one::<S>, false, policy, envoy)?;
    Ok(config)
}

/// Loads the configuration of filter `name` from `policy`; `Err` says why Envoy must refuse it.
pub fn load(
    name: &str,
    policy: &[u8],
    envoy: ConfigEnvoyPtr,
) -> Result<Arc<dyn AnyConfig>, String> {
    match Filter::from_name(name) {
        Some(Filter::Audit) => one::<AuditStage>(policy, envoy),
        Some(Filter::Cors) => one::<CorsStage>(policy, envoy),
        Some(Filter::Auth) => one::<AuthStage>(policy, envoy),
        Some(Filter::Screen) => one::<ScreenStage>(policy, envoy),
        None if name == pavise_combined::FILTER_NAME => {
            let config: Arc<dyn AnyConfig> = Config::load(
                pavise_combined::FILTER_NAME,
                |json, host| pavise_combined::load(json, host),
                true,
                policy,
                envoy,
            )?;
            Ok(config)
        }
        None => Err(format!(
            "unknown filter_name '{name}'; expected one of {}",
            names().join(", ")
        )),
    }
}

/// Checks a route's own policy for filter `name` (`per_route_config_name`): `Err` says why
/// Envoy must refuse the route configuration.
pub fn check_route(name: &str, policy: &[u8]) -> Result<(), String> {
    match Filter::from_name(name) {
        Some(Filter::Audit) => check_route_policy(load_one::<AuditStage>, policy),
        Some(Filter::Cors) => check_route_policy(load_one::<CorsStage>, policy),
        Some(Filter::Auth) => check_route_policy(load_one::<AuthStage>, policy),
        Some(Filter::Screen) => check_route_policy(load_one::<ScreenStage>, policy),
        None if name == pavise_combined::FILTER_NAME => {
            check_route_policy(|json, host| pavise_combined::load(json, host), policy)
        }
        None => Err(format!(
            "unknown per_route_config_name '{name}'; expected one of {}",
            names().join(", ")
        )),
    }
}
