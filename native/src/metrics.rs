//! The metrics one filter configuration defined in Envoy: the core's [`MetricId`] is an index
//! into [`MetricTable`], which holds the metric's kind and Envoy's own id for it.
//!
//! Envoy allows defining metrics only while the configuration loads
//! (`envoy_dynamic_module_on_http_filter_config_new`), and a configuration loads its chain once
//! per worker ([`crate::config`]): the same stat name defined twice gets the same entry, so
//! every copy of a stage counts into one Envoy stat.

use pavise_core::host::{MetricId, MetricKind};
use std::collections::HashMap;

/// One defined metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defined {
    pub kind: MetricKind,
    /// Envoy's id, from `..._config_define_counter` (or gauge, histogram).
    pub envoy_id: usize,
}

/// Every metric a configuration defined, by core id and by stat name.
#[derive(Debug, Default)]
pub struct MetricTable {
    defined: Vec<Defined>,
    by_name: HashMap<String, MetricId>,
}

impl MetricTable {
    /// The id of `name` if it is defined already.
    pub fn find(&self, name: &str) -> Option<MetricId> {
        self.by_name.get(name).copied()
    }

    /// Records a metric Envoy defined; its core id.
    pub fn insert(&mut self, name: &str, defined: Defined) -> Option<MetricId> {
        let id = MetricId(u32::try_from(self.defined.len()).ok()?);
        self.defined.push(defined);
        self.by_name.insert(name.to_string(), id);
        Some(id)
    }

    /// The metric behind a core id.
    pub fn get(&self, id: MetricId) -> Option<Defined> {
        self.defined
            .get(usize::try_from(id.0).unwrap_or(usize::MAX))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_one_entry_each() {
        let mut t = MetricTable::default();
        let c = Defined {
            kind: MetricKind::Counter,
            envoy_id: 7,
        };
        let id = t.insert("pavise_x_total", c).unwrap();
        assert_eq!(t.find("pavise_x_total"), Some(id));
        assert_eq!(t.get(id), Some(c));
        assert_eq!(t.find("pavise_y_total"), None);
        assert_eq!(t.get(MetricId(9)), None);
    }
}
