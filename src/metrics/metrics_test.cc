#include "metrics/metrics.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(MetricsTest, RendersPrometheusTextFormat) {
  MetricsRegistry registry;
  registry.GetCounter("vigil_ingest_events_total", "Events by result.", {{"result", "accepted"}})
      .Inc(3);
  registry.GetCounter("vigil_ingest_events_total", "Events by result.", {{"result", "accepted"}})
      .Inc(2);
  registry.GetGauge("vigil_queue_events", "Queued events.").Set(7);
  Histogram& h = registry.GetHistogram("vigil_commit_seconds", "Commit latency.", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  registry.AddCallbackGauge("vigil_ready", "1 when ready.", [] { return 1.0; });

  std::string text = registry.RenderText();
  EXPECT_NE(text.find("# TYPE vigil_ingest_events_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vigil_ingest_events_total{result=\"accepted\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_queue_events 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vigil_commit_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vigil_commit_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_commit_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_ready 1\n"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.GetCounter("c", "h", {{"path", "a\"b\\c"}}).Inc();
  EXPECT_NE(registry.RenderText().find("c{path=\"a\\\"b\\\\c\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace vigil
