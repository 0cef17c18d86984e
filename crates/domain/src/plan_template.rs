//! Plan templates as data: sections, tasks and the indicators that measure them. The seed plan
//! (DOMAIN.md, sections II.1–II.4 and III) ships as the built-in template.

use serde::{Deserialize, Serialize};

/// What an indicator holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Number,
    YesNo,
    Text,
}

/// How schools' values add up in an office's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The total over schools.
    Sum,
    /// How many schools answered yes (or reported a value above zero).
    CountOfSchools,
    /// The mean over schools that reported.
    Average,
    /// The share of reporting schools that answered yes.
    ShareOfSchools,
    /// Text is listed, not added.
    List,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// Stable code, used by the activity log, reports and exports.
    pub code: &'static str,
    pub name: &'static str,
    pub kind: IndicatorKind,
    pub aggregation: Aggregation,
    /// Must be filled before a report can be submitted.
    pub required: bool,
}

/// Who carries a task out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Office,
    School,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub code: &'static str,
    /// The plan's requirement ids this task carries out (DOMAIN.md).
    pub requirements: &'static [&'static str],
    pub title: &'static str,
    pub actor: Actor,
    pub indicators: &'static [Indicator],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub code: &'static str,
    pub title: &'static str,
    pub tasks: &'static [Task],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanTemplate {
    pub code: &'static str,
    pub title: &'static str,
    pub sections: &'static [Section],
}

impl PlanTemplate {
    pub fn indicators(&self) -> impl Iterator<Item = (&Task, &Indicator)> {
        self.sections
            .iter()
            .flat_map(|s| s.tasks.iter())
            .flat_map(|t| t.indicators.iter().map(move |i| (t, i)))
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.code == code)
    }
}

const fn number(code: &'static str, name: &'static str) -> Indicator {
    Indicator {
        code,
        name,
        kind: IndicatorKind::Number,
        aggregation: Aggregation::Sum,
        required: true,
    }
}

const fn yes_no(code: &'static str, name: &'static str) -> Indicator {
    Indicator {
        code,
        name,
        kind: IndicatorKind::YesNo,
        aggregation: Aggregation::ShareOfSchools,
        required: true,
    }
}

/// The seed plan: "Tổ chức các hoạt động giáo dục, hướng dẫn sử dụng mạng xã hội, khai thác
/// thông tin trên Internet".
pub const BUILTIN: PlanTemplate = PlanTemplate {
    code: "builtin",
    title: "Kế hoạch tổ chức các hoạt động giáo dục, hướng dẫn sử dụng mạng xã hội, khai thác thông tin trên Internet",
    sections: &[
        Section {
            code: "II.1",
            title: "Các hoạt động tuyên truyền",
            tasks: &[
                Task {
                    code: "II.1.a",
                    requirements: &["S1.1"],
                    title: "Phối hợp với báo chí, truyền thông để thông tin kịp thời chủ trương, chính sách liên quan đến ngành; tiếp nhận và phản hồi ý kiến",
                    actor: Actor::School,
                    indicators: &[
                        number(
                            "s1_1_posts",
                            "Số tin, bài về chủ trương, chính sách của ngành đăng trên website, mạng xã hội của trường",
                        ),
                        number("s1_1_feedback", "Số ý kiến phản ánh được tiếp nhận và phản hồi"),
                    ],
                },
                Task {
                    code: "II.1.b",
                    requirements: &["S1.2"],
                    title: "Giới thiệu những tấm gương cán bộ, giáo viên, nhân viên và học sinh tiêu biểu trên Internet",
                    actor: Actor::School,
                    indicators: &[number(
                        "s1_2_stories",
                        "Số tấm gương tiêu biểu được giới thiệu trên Internet",
                    )],
                },
                Task {
                    code: "II.1.c",
                    requirements: &["S1.3"],
                    title: "Tuyên truyền quy định sử dụng điện thoại di động: không dùng trong giờ học, sinh hoạt lớp, sinh hoạt tập thể; không dùng để ghi âm, ghi hình, phát tán nội dung xấu",
                    actor: Actor::School,
                    indicators: &[
                        number(
                            "s1_3_sessions",
                            "Số buổi tuyên truyền quy định sử dụng điện thoại di động",
                        ),
                        yes_no(
                            "s1_3_rules_adopted",
                            "Nhà trường đã ban hành nội quy sử dụng điện thoại di động",
                        ),
                        number(
                            "s1_3_phone_cases",
                            "Số vụ vi phạm quy định sử dụng điện thoại được xử lý",
                        ),
                    ],
                },
                Task {
                    code: "II.1.d",
                    requirements: &["S1.4"],
                    title: "Tuyên truyền pháp luật về Internet, báo điện tử, mạng xã hội; tổ chức nói chuyện chuyên đề về kỹ năng khai thác thông tin và ứng xử trên mạng",
                    actor: Actor::School,
                    indicators: &[
                        number("s1_4_talks", "Số buổi nói chuyện chuyên đề"),
                        number(
                            "s1_4_participants",
                            "Số lượt người tham dự các buổi nói chuyện chuyên đề",
                        ),
                    ],
                },
            ],
        },
        Section {
            code: "II.2",
            title: "Các hoạt động giáo dục",
            tasks: &[
                Task {
                    code: "II.2.a",
                    requirements: &["S2.1"],
                    title: "Trang bị kiến thức, kỹ năng sử dụng điện thoại di động và Internet đúng quy định, phục vụ học tập, nghiên cứu, giải trí lành mạnh",
                    actor: Actor::School,
                    indicators: &[number(
                        "s2_1_lessons",
                        "Số tiết, hoạt động giáo dục kỹ năng sử dụng Internet an toàn",
                    )],
                },
                Task {
                    code: "II.2.b",
                    requirements: &["S2.2"],
                    title: "Tập huấn khai thác, sử dụng Internet và điện thoại hiệu quả; xây dựng văn hóa chia sẻ thông tin lành mạnh",
                    actor: Actor::School,
                    indicators: &[
                        number("s2_2_trainings", "Số buổi tập huấn"),
                        number(
                            "s2_2_trained_staff",
                            "Số lượt cán bộ, giáo viên, nhân viên được tập huấn",
                        ),
                        number("s2_2_trained_pupils", "Số lượt học sinh được tập huấn"),
                    ],
                },
                Task {
                    code: "II.2.c",
                    requirements: &["S2.3"],
                    title: "Dùng website, diễn đàn để nâng cao nhận thức, phản bác thông tin sai trái, tiêu cực, độc hại bằng thông tin đúng",
                    actor: Actor::School,
                    indicators: &[number(
                        "s2_3_posts",
                        "Số tin, bài định hướng thông tin, đính chính thông tin sai",
                    )],
                },
                Task {
                    code: "II.2.d",
                    requirements: &["S2.4"],
                    title: "Phối hợp với Trung tâm Văn hóa - Thông tin và Thể thao nâng cao kỹ năng tiếp nhận, đánh giá thông tin của học sinh, giáo viên",
                    actor: Actor::School,
                    indicators: &[number(
                        "s2_4_joint_activities",
                        "Số hoạt động phối hợp với Trung tâm Văn hóa - Thông tin và Thể thao",
                    )],
                },
            ],
        },
        Section {
            code: "II.3",
            title: "Công tác bồi dưỡng đội ngũ",
            tasks: &[
                Task {
                    code: "II.3.a",
                    requirements: &["S3.1"],
                    title: "Xây dựng đội ngũ cộng tác viên tại trường để nắm bắt và xử lý kịp thời các vấn đề phát sinh",
                    actor: Actor::School,
                    indicators: &[
                        yes_no("s3_1_has_network", "Trường có đội ngũ cộng tác viên"),
                        number("s3_1_collaborators", "Số cộng tác viên"),
                        number(
                            "s3_1_cases_handled",
                            "Số sự việc được phát hiện, xử lý qua mạng lưới cộng tác viên",
                        ),
                        number("s3_1_cases_on_time", "Số sự việc được xử lý đúng hạn"),
                    ],
                },
                Task {
                    code: "II.3.b",
                    requirements: &["S3.2"],
                    title: "Bồi dưỡng cán bộ quản trị website về chuyên môn, an ninh mạng, an toàn thông tin",
                    actor: Actor::School,
                    indicators: &[number(
                        "s3_2_webadmins_trained",
                        "Số cán bộ quản trị website được bồi dưỡng",
                    )],
                },
                Task {
                    code: "II.3.c",
                    requirements: &["S3.3", "T5.2"],
                    title: "Thông tin tới Ban đại diện cha mẹ học sinh để gia đình cùng nhà trường định hướng học sinh, phù hợp lứa tuổi",
                    actor: Actor::School,
                    indicators: &[
                        number(
                            "s3_3_parent_meetings",
                            "Số buổi làm việc, trao đổi với Ban đại diện cha mẹ học sinh",
                        ),
                        number("s3_3_parents_reached", "Số lượt cha mẹ học sinh được tuyên truyền"),
                    ],
                },
            ],
        },
        Section {
            code: "II.4",
            title: "Công tác giám sát, kiểm tra",
            tasks: &[
                Task {
                    code: "II.4.a",
                    requirements: &["S4.1"],
                    title: "Website của trường cung cấp thông tin đúng quy định, hữu ích; kết hợp sổ liên lạc điện tử giữa gia đình và nhà trường",
                    actor: Actor::School,
                    indicators: &[
                        yes_no("s4_1_website_meets_standard", "Website của trường đạt yêu cầu kiểm tra"),
                        yes_no("s4_1_econtact_book", "Trường sử dụng sổ liên lạc điện tử"),
                    ],
                },
                Task {
                    code: "II.4.b",
                    requirements: &["S4.2"],
                    title: "Thường xuyên cập nhật thông tin trên website, blog, diễn đàn của trường",
                    actor: Actor::School,
                    indicators: &[Indicator {
                        code: "s4_2_posts_per_month",
                        name: "Số tin, bài trung bình mỗi tháng trên website của trường",
                        kind: IndicatorKind::Number,
                        aggregation: Aggregation::Average,
                        required: false,
                    }],
                },
            ],
        },
        Section {
            code: "III",
            title: "Tổ chức thực hiện",
            tasks: &[
                Task {
                    code: "III.1",
                    requirements: &["T1.1", "T1.2", "T1.3", "T1.4", "T1.5", "T1.6"],
                    title: "Cơ quan điều phối: làm đầu mối, hướng dẫn, đôn đốc, tổng hợp kết quả; kiểm tra, bồi dưỡng cán bộ quản trị website; bảo đảm an toàn thông tin của ngành",
                    actor: Actor::Office,
                    indicators: &[],
                },
                Task {
                    code: "III.5.a",
                    requirements: &["T5.1"],
                    title: "Nhà trường xây dựng kế hoạch cụ thể để tổ chức thực hiện",
                    actor: Actor::School,
                    indicators: &[yes_no("t5_1_school_plan", "Nhà trường có kế hoạch thực hiện riêng")],
                },
                Task {
                    code: "III.5.b",
                    requirements: &["T5.3"],
                    title: "Hiệu trưởng gửi báo cáo đánh giá việc thực hiện kế hoạch về cơ quan điều phối trước ngày 01/6 hằng năm",
                    actor: Actor::School,
                    indicators: &[Indicator {
                        code: "t5_3_comments",
                        name: "Kiến nghị, đề xuất của nhà trường",
                        kind: IndicatorKind::Text,
                        aggregation: Aggregation::List,
                        required: false,
                    }],
                },
            ],
        },
    ],
};

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_requirements_covered() {
        let mut codes = HashSet::new();
        for (_, i) in BUILTIN.indicators() {
            assert!(codes.insert(i.code), "duplicate indicator {}", i.code);
            assert!(
                i.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            if i.kind == IndicatorKind::Text {
                assert_eq!(i.aggregation, Aggregation::List);
            }
        }
        let covered: HashSet<&str> = BUILTIN
            .sections
            .iter()
            .flat_map(|s| s.tasks.iter())
            .flat_map(|t| t.requirements.iter().copied())
            .collect();
        for id in [
            "S1.1", "S1.2", "S1.3", "S1.4", "S2.1", "S2.2", "S2.3", "S2.4", "S3.1", "S3.2", "S3.3", "S4.1", "S4.2",
            "T1.1", "T5.1", "T5.2", "T5.3",
        ] {
            assert!(covered.contains(id), "{id} has no task");
        }
        assert_eq!(
            BUILTIN.indicator("s1_3_sessions").map(|i| i.kind),
            Some(IndicatorKind::Number)
        );
        assert!(BUILTIN.indicator("nope").is_none());
    }
}
