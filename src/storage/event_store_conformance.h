#pragma once
// The read/write contract every EventStore implementation must meet: the TEST_P cases live in
// event_store_conformance.cc; each backend instantiates them with a StoreFactory (SQLite and the
// in-memory fake in storage_test, ClickHouse single-node and two-shard in clickhouse_store_test).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "storage/event_store.h"

namespace vigil {

struct StoreFactory {
  std::string name;
  // A fresh, empty store; `dir` is a new temporary directory the store may use.
  std::function<std::unique_ptr<EventStore>(const std::string& dir)> make;
};

// Keeps test names readable in CTest ("…/sqlite" rather than a byte dump).
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class EventStoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  void Put(std::vector<Event> events);
  std::string dir_;
  std::unique_ptr<EventStore> store_;
};

}  // namespace vigil
