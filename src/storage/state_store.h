#pragma once
// StateStore: transactional storage for Vigil's control-plane records (releases, routes,
// incidents, the notification outbox, the audit log, postmortems). Each feature adds its tables
// through versioned migrations registered under its own component name, and changes its
// records inside Transact() so every change is one transaction.
//
// Contract: Transact() runs `body` inside a write transaction (BEGIN IMMEDIATE); the
// transaction commits when `body` returns OK and rolls back otherwise. The store is durable
// per the configured synchronous mode. Thread-safety: all methods may be called from any
// thread; transactions are serialized.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_db.h"

namespace vigil {

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path,
                                                  const SqliteDb::Options& options);

  Status Migrate(const std::string& component, const std::vector<Migration>& migrations);
  Status Transact(const std::function<Status(SqliteDb&)>& body);
  // Read-only access outside a write transaction (still serialized with writers here).
  Status Read(const std::function<Status(SqliteDb&)>& body);

  // A small key/value table for instance-wide facts (e.g. "instance_id", "created_at").
  Result<std::string> GetMeta(const std::string& key);
  Status PutMeta(const std::string& key, const std::string& value);

 private:
  explicit StateStore(SqliteDb db) : db_(std::move(db)) {}
  std::mutex mu_;
  SqliteDb db_;
};

}  // namespace vigil
