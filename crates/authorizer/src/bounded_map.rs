//! A map that never holds more than a fixed number of entries, evicting the oldest.
//!
//! Both of the authorizer's in-memory caches use it: a Lambda instance lives for hours
//! and sees any number of users, so an unbounded cache would only grow. Insertion
//! order is a good enough notion of "oldest" here (entries also expire by time), and
//! it costs O(1) per operation, with no bookkeeping on reads.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A hash map bounded to `capacity` entries; inserting into a full map evicts the
/// entry inserted longest ago.
#[derive(Debug)]
pub struct BoundedFifoMap<K, V> {
    capacity: usize,
    /// Each value with the sequence number of the insertion that put it there.
    entries: HashMap<K, (V, u64)>,
    /// Insertions, oldest first. Items whose sequence number no longer matches the
    /// entry (replaced or removed since) are skipped when evicting and dropped when
    /// the queue is compacted.
    order: VecDeque<(K, u64)>,
    next_sequence: u64,
}

impl<K: Eq + Hash + Clone, V> BoundedFifoMap<K, V> {
    /// An empty map holding at most `capacity` entries (0: holds nothing).
    pub fn new(capacity: usize) -> Self {
        BoundedFifoMap { capacity, entries: HashMap::new(), order: VecDeque::new(), next_sequence: 0 }
    }

    /// The value for `key`, if present.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Inserts or replaces; a replaced entry counts as newly inserted. Evicts the
    /// oldest entries while the map is over capacity.
    pub fn insert(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.entries.insert(key.clone(), (value, sequence));
        self.order.push_back((key, sequence));
        while self.entries.len() > self.capacity {
            self.evict_oldest();
        }
        if self.order.len() > 2 * self.capacity {
            self.compact();
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries.remove(key).map(|(value, _)| value)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most entries the map holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn evict_oldest(&mut self) {
        while let Some((key, sequence)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|(_, current)| *current == sequence) {
                self.entries.remove(&key);
                return;
            }
        }
    }

    /// Drops queue items of replaced or removed entries, so the queue stays within
    /// twice the capacity however often keys are replaced.
    fn compact(&mut self) {
        let entries = &self.entries;
        self.order.retain(|(key, sequence)| entries.get(key).is_some_and(|(_, current)| current == sequence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest_insertion_when_full() {
        let mut map = BoundedFifoMap::new(3);
        for n in 0..3 {
            map.insert(n, n * 10);
        }
        map.insert(3, 30);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(&0), None);
        assert_eq!(map.get(&1), Some(&10));
        assert_eq!(map.get(&3), Some(&30));
    }

    #[test]
    fn a_replaced_entry_counts_as_new() {
        let mut map = BoundedFifoMap::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        map.insert("a", 3);
        map.insert("c", 4);
        assert_eq!(map.get("a"), Some(&3), "a was re-inserted after b");
        assert_eq!(map.get("b"), None);
        assert_eq!(map.get("c"), Some(&4));
    }

    #[test]
    fn removed_entries_do_not_cost_an_eviction() {
        let mut map = BoundedFifoMap::new(2);
        map.insert(1, ());
        map.insert(2, ());
        assert_eq!(map.remove(&1), Some(()));
        map.insert(3, ());
        assert_eq!(map.len(), 2);
        assert!(map.get(&2).is_some() && map.get(&3).is_some());
    }

    #[test]
    fn stays_bounded_under_churn_and_replacement() {
        let mut map = BoundedFifoMap::new(100);
        for n in 0..10_000u32 {
            map.insert(n % 150, n);
            map.insert(7, n);
            assert!(map.len() <= 100);
            assert!(map.order.len() <= 200, "queue compacted");
        }
        assert_eq!(map.get(&7), Some(&9_999));
    }

    #[test]
    fn zero_capacity_holds_nothing() {
        let mut map = BoundedFifoMap::new(0);
        map.insert(1, 1);
        assert!(map.is_empty());
        assert_eq!(map.capacity(), 0);
    }

    #[test]
    fn clear_empties_everything() {
        let mut map = BoundedFifoMap::new(4);
        map.insert(1, 1);
        map.insert(2, 2);
        map.clear();
        assert!(map.is_empty());
        map.insert(3, 3);
        assert_eq!(map.len(), 1);
    }
}
