#include "incidents/diagnosis.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

RollupRow Row(Layer layer, uint64_t count, uint64_t errors, const std::string& error_class,
              const std::string& tool = "", const std::string& model = "",
              const std::string& release = "v7") {
  RollupRow r;
  r.key.tenant = "acme";
  r.key.use_case = "refund-bot";
  r.key.layer = layer;
  r.key.tool = tool;
  r.key.model = model;
  r.key.release = release;
  r.key.error_class = error_class;
  r.cell.count = count;
  r.cell.errors = errors;
  return r;
}

TEST(DiagnosisTest, NamesTheToolAndClassBehindATaskSpike) {
  std::vector<RollupRow> before = {Row(Layer::kTask, 1000, 0, "none"),
                                   Row(Layer::kTask, 20, 20, "timeout"),
                                   Row(Layer::kInference, 2000, 0, "none", "", "m-large"),
                                   Row(Layer::kInference, 8, 8, "timeout", "", "m-large"),
                                   Row(Layer::kTool, 1000, 0, "none", "issue_refund")};
  std::vector<RollupRow> window = {
      Row(Layer::kTask, 600, 0, "none"),
      Row(Layer::kTask, 400, 400, "tool_error"),
      Row(Layer::kInference, 2000, 0, "none", "", "m-large"),
      Row(Layer::kInference, 8, 8, "timeout", "", "m-large"),
      Row(Layer::kTool, 600, 0, "none", "issue_refund"),
      Row(Layer::kTool, 390, 390, "permission_denied", "issue_refund")};
  Diagnosis d = Diagnose(window, before);
  EXPECT_NEAR(d.task_error_rate, 0.4, 1e-9);
  EXPECT_NEAR(d.baseline_task_error_rate, 20.0 / 1020, 1e-9);
  ASSERT_FALSE(d.findings.empty());
  const Finding& top = d.findings[0];
  EXPECT_EQ(top.layer, "tool");
  EXPECT_GT(top.share, 0.9);
  EXPECT_EQ(top.error_class, "permission_denied");
  EXPECT_TRUE(d.layers[1].healthy);   // inference
  EXPECT_FALSE(d.layers[2].healthy);  // tool
  EXPECT_NE(d.summary.find("inference healthy (0.4% errors)"), std::string::npos) << d.summary;
  EXPECT_NE(d.summary.find("tool issue_refund permission_denied explains"), std::string::npos)
      << d.summary;
  EXPECT_NE(d.summary.find("since release v7"), std::string::npos) << d.summary;
}

TEST(DiagnosisTest, NoSpikeSaysSo) {
  std::vector<RollupRow> rows = {Row(Layer::kTask, 1000, 10, "timeout")};
  Diagnosis d = Diagnose(rows, rows);
  EXPECT_NE(d.summary.find("not above the baseline"), std::string::npos) << d.summary;
}

}  // namespace
}  // namespace vigil
