//! A map that never holds more than a fixed number of entries (and, optionally, a fixed
//! total weight), evicting the oldest.
//!
//! Both of the authorizer's in-memory caches use it: a Lambda instance lives for hours
//! and sees any number of users, so an unbounded cache would only grow. Insertion
//! order is a good enough notion of "oldest" here (entries also expire by time), and
//! it costs O(1) per operation, with no bookkeeping on reads.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, RandomState};

/// A hash map bounded to `capacity` entries and `max_weight` total weight; inserting
/// into a full map evicts the entries inserted longest ago.
#[derive(Debug)]
pub struct BoundedFifoMap<K, V, S = RandomState> {
    capacity: usize,
    max_weight: usize,
    /// The weight of one entry (1 for every entry unless given).
    weigh: fn(&K, &V) -> usize,
    /// The sum of the weights of the entries.
    weight: usize,
    /// Each value with its weight and the sequence number of the insertion that put it there.
    entries: HashMap<K, Slot<V>, S>,
    /// Insertions, oldest first. Items whose sequence number no longer matches the
    /// entry (replaced or removed since) are skipped when evicting and dropped when
    /// the queue is compacted.
    order: VecDeque<(K, u64)>,
    next_sequence: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    weight: usize,
    sequence: u64,
}

impl<K: Eq + Hash + Clone, V> BoundedFifoMap<K, V> {
    /// An empty map holding at most `capacity` entries (0: holds nothing).
    pub fn new(capacity: usize) -> Self {
        Self::with_hasher(capacity, usize::MAX, |_, _| 1, RandomState::new())
    }
}

impl<K: Eq + Hash + Clone, V, S: BuildHasher> BoundedFifoMap<K, V, S> {
    /// An empty map holding at most `capacity` entries whose `weigh`ts add up to at most
    /// `max_weight`, hashing keys with `hasher`. An entry heavier than `max_weight` on
    /// its own is not stored.
    pub fn with_hasher(capacity: usize, max_weight: usize, weigh: fn(&K, &V) -> usize, hasher: S) -> Self {
        BoundedFifoMap {
            capacity,
            max_weight,
            weigh,
            weight: 0,
            entries: HashMap::with_hasher(hasher),
            order: VecDeque::new(),
            next_sequence: 0,
        }
    }

    /// The value for `key`, if present.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries.get(key).map(|slot| &slot.value)
    }

    /// Inserts or replaces; a replaced entry counts as newly inserted. Evicts the
    /// oldest entries while the map is over capacity or over weight.
    pub fn insert(&mut self, key: K, value: V) {
        let weight = (self.weigh)(&key, &value);
        if self.capacity == 0 || weight > self.max_weight {
            return;
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        if let Some(replaced) = self.entries.insert(key.clone(), Slot { value, weight, sequence }) {
            self.weight -= replaced.weight;
        }
        self.weight += weight;
        self.order.push_back((key, sequence));
        while self.entries.len() > self.capacity || self.weight > self.max_weight {
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
        let slot = self.entries.remove(key)?;
        self.weight -= slot.weight;
        Some(slot.value)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.weight = 0;
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map holds nothing.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The total weight of the entries held.
    pub fn weight(&self) -> usize {
        self.weight
    }

    fn evict_oldest(&mut self) {
        while let Some((key, sequence)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|slot| slot.sequence == sequence) {
                self.remove(&key);
                return;
            }
        }
    }

    /// Drops queue items of replaced or removed entries, so the queue stays within
    /// twice the capacity however often keys are replaced.
    fn compact(&mut self) {
        let entries = &self.entries;
        self.order.retain(|(key, sequence)| entries.get(key).is_some_and(|slot| slot.sequence == *sequence));
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
    }

    #[test]
    fn stays_within_its_weight_evicting_the_oldest() {
        let mut map = BoundedFifoMap::with_hasher(100, 10, |_: &u32, value: &usize| *value, RandomState::new());
        map.insert(1, 4);
        map.insert(2, 4);
        assert_eq!(map.weight(), 8);
        map.insert(3, 4);
        assert_eq!((map.len(), map.weight()), (2, 8), "the oldest made room");
        assert_eq!(map.get(&1), None);
        map.insert(3, 1);
        assert_eq!(map.weight(), 5, "a replaced entry's weight is given back");
        map.insert(4, 11);
        assert_eq!(map.get(&4), None, "too heavy on its own: not stored");
        assert_eq!(map.weight(), 5, "and nothing evicted for it");
        map.remove(&2);
        assert_eq!(map.weight(), 1);
        map.clear();
        assert_eq!(map.weight(), 0);
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
