//! The dataset of `bench/public-site` (issue 15): thousands of stories published on an office's
//! public page, written at its schools over a year; and the plan of the page's query for the
//! report of a slow one.
//!
//! Not used by the application. Each story is written with the rows publishing it leaves (the
//! story, its one subject — a teacher —, the teacher's own consent for each purpose it is
//! published for, the publications, for some a photo), but in `INSERT … SELECT` over a
//! generated series, a block of stories per transaction, without the audit entries (the public
//! pages do not read them). One story in a hundred more was taken down after its consent was
//! withdrawn, as `withdraw_story_consent` leaves it. The texts are built from Vietnamese
//! fragments picked by the story's rank, so that titles and bodies vary as real ones do.

use lanhmang_domain::story::Purpose;

use crate::bench_data::{Conn, on_conn};
use crate::public_site::{PublicScope, published_stories_sql};
use crate::stories::WITHDRAWN_REASON;
use crate::{Backend, BeginWrite, Result, Store, StoreError, now};

/// The code of the second office `add_public_bench_office` creates: stories published there
/// share the live-publications index with the measured office's.
pub const BENCH_OFFICE_CODE: &str = "BENCH-PUBLIC";

/// Stories written per transaction.
const STORIES_PER_TRANSACTION: i64 = 5_000;
/// Publications are spread over the year before the generation.
const YEAR_SECS: i64 = 365 * 86_400;

/// Who wrote, recorded and approved the generated stories (usernames of existing accounts).
#[derive(Debug, Clone, Copy)]
pub struct StoryPeople<'a> {
    /// Writes every story and records its consents.
    pub author: &'a str,
    /// Approves the stories published on their school's page.
    pub principal: &'a str,
    /// Approves the stories published on the office's page.
    pub office: &'a str,
}

/// A JPEG given to some of the stories (as both its large and its small size).
#[derive(Debug, Clone)]
pub struct BenchPhoto {
    pub jpeg: Vec<u8>,
    pub width: i64,
    pub height: i64,
}

/// What was generated at one office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSiteBench {
    pub office_id: i64,
    /// Active schools the stories were spread over.
    pub schools: i64,
    /// Stories live on the office's page.
    pub live: i64,
    /// Of them, also live on their school's page.
    pub school_site: i64,
    /// Taken down from the office's page after a withdrawal.
    pub withdrawn: i64,
    /// Live stories with a photo.
    pub photos: i64,
}

/// Teachers: (rank, how pupils address them, the name they go by, full name). 23 of them.
const WHO: &str = "who(k, honor, short_name, full_name) AS (VALUES \
    (0, 'Cô', 'Lan', 'Nguyễn Thị Lan'), (1, 'Thầy', 'Minh', 'Trần Văn Minh'), (2, 'Cô', 'Hằng', 'Lê Thu Hằng'), \
    (3, 'Thầy', 'Bảo', 'Phạm Quốc Bảo'), (4, 'Cô', 'Mai Anh', 'Hoàng Mai Anh'), (5, 'Thầy', 'Thắng', 'Vũ Đức Thắng'), \
    (6, 'Cô', 'Hân', 'Đặng Ngọc Hân'), (7, 'Cô', 'Tâm', 'Bùi Thanh Tâm'), (8, 'Cô', 'Châu', 'Đỗ Minh Châu'), \
    (9, 'Thầy', 'Nam', 'Hồ Văn Nam'), (10, 'Cô', 'Hoa', 'Ngô Thị Hoa'), (11, 'Thầy', 'Huy', 'Dương Quang Huy'), \
    (12, 'Cô', 'Nguyên', 'Lý Thảo Nguyên'), (13, 'Thầy', 'Trường', 'Mai Xuân Trường'), (14, 'Cô', 'Yến', 'Phan Thị Yến'), \
    (15, 'Thầy', 'Đăng', 'Trịnh Hải Đăng'), (16, 'Cô', 'Liên', 'Võ Kim Liên'), (17, 'Thầy', 'Sơn', 'Cao Văn Sơn'), \
    (18, 'Cô', 'Trang', 'Tạ Thu Trang'), (19, 'Thầy', 'Vinh', 'Lương Thế Vinh'), (20, 'Cô', 'Ngọc', 'Đinh Bảo Ngọc'), \
    (21, 'Thầy', 'Khang', 'Châu Minh Khang'), (22, 'Cô', 'Hạnh', 'Kiều Thị Hạnh'))";
const WHO_COUNT: i64 = 23;

/// What the story is about, in its title and first paragraph. 17 of them.
const WHAT: &str = "what(k, txt) AS (VALUES \
    (0, 'giờ sinh hoạt «Ngừng lại, kiểm tra, rồi mới chia sẻ»'), (1, 'câu lạc bộ «Lướt mạng an toàn»'), \
    (2, 'hộp thư «Hỏi nhỏ» về mạng xã hội'), (3, 'buổi học nhận biết tin giả cùng cha mẹ'), \
    (4, 'trò chơi tìm tài khoản giả mạo'), (5, 'góc đọc sách thay giờ chơi điện thoại'), \
    (6, 'nhóm bạn đồng hành chống bắt nạt trên mạng'), (7, 'cuộc thi vẽ tranh về mật khẩu mạnh'), \
    (8, 'sổ tay «Một ngày không màn hình»'), (9, 'bài học về tin nhắn trúng thưởng lừa đảo'), \
    (10, 'tiết kể chuyện về dấu chân số'), (11, 'lớp hướng dẫn ông bà dùng Zalo an toàn'), \
    (12, 'bản cam kết giờ dùng điện thoại của cả lớp'), (13, 'phong trào «Bình luận tử tế»'), \
    (14, 'buổi trò chuyện với công an phường về lừa đảo qua mạng'), (15, 'bảng tin «Tin thật hay tin giả» ở hành lang'), \
    (16, 'nhóm học sinh làm video hướng dẫn cài đặt quyền riêng tư'))";
const WHAT_COUNT: i64 = 17;

/// The first paragraph: `a` + the teacher + their school + `b` + what.
const OPENING: &str = "opening(k, a, b) AS (VALUES \
    (0, 'Từ đầu năm học, ', ' đã cùng học sinh duy trì '), (1, 'Trong học kỳ vừa qua, ', ' đã khởi xướng '), \
    (2, 'Xuất phát từ một câu hỏi của học trò, ', ' đã nghĩ ra '), (3, 'Sau buổi tập huấn của phòng, ', ' đã đưa vào lớp học '), \
    (4, 'Hưởng ứng kế hoạch năm học của nhà trường, ', ' đã tổ chức '), (5, 'Mỗi tuần một lần, ', ' cùng các em duy trì '), \
    (6, 'Khi thấy nhiều em dùng điện thoại đến khuya, ', ' đã bàn với phụ huynh để lập '), \
    (7, 'Được đồng nghiệp gợi ý, ', ' đã thử nghiệm '), (8, 'Ngay từ tháng đầu tiên của năm học, ', ' đã xây dựng '), \
    (9, 'Sau một vụ lừa đảo xảy ra ở khu phố, ', ' đã chủ động mở '), \
    (10, 'Với sự giúp đỡ của Ban đại diện cha mẹ học sinh, ', ' đã duy trì '))";
const OPENING_COUNT: i64 = 11;

/// The second paragraph: how it went.
const MIDDLE: &str = "middle(k, txt) AS (VALUES \
    (0, 'Mỗi buổi bắt đầu bằng một tình huống có thật mà các em gặp trên mạng: một tin nhắn lạ, một đường link hứa tặng quà, một lời mời kết bạn từ người không quen. Cả lớp cùng bàn xem nên làm gì, rồi ghi lại cách xử lý vào sổ.'), \
    (1, 'Các em được chia thành từng nhóm nhỏ, mỗi nhóm tìm hiểu một chủ đề và trình bày lại cho cả lớp bằng tranh vẽ, tiểu phẩm hoặc một đoạn video ngắn quay bằng máy của nhà trường.'), \
    (2, 'Cha mẹ học sinh được mời dự một buổi cuối tháng để cùng con thống nhất những quy ước nhỏ trong gia đình: giờ cất điện thoại, những ứng dụng được dùng và người cần hỏi khi gặp điều lạ.'), \
    (3, 'Không chấm điểm, không phê bình, mọi câu hỏi đều được trân trọng. Nhờ vậy, nhiều em đã mạnh dạn kể lại những lần từng bị trêu chọc hay bị người lạ nhắn tin làm phiền.'), \
    (4, 'Thư viện trường dành riêng một góc trưng bày sản phẩm của các em, từ những tấm áp phích nhắc đặt mật khẩu mạnh đến các tờ gấp hướng dẫn nhận biết trang web giả mạo.'), \
    (5, 'Mỗi tiết học kết thúc bằng một câu hỏi để các em mang về nhà trò chuyện cùng cha mẹ, và buổi sau cả lớp cùng chia sẻ những câu trả lời thú vị nhất.'), \
    (6, 'Học sinh lớp lớn làm anh chị phụ trách, hướng dẫn các em lớp nhỏ cách báo cho thầy cô khi thấy nội dung không phù hợp, thay vì chia sẻ tiếp hoặc im lặng.'), \
    (7, 'Tổ chuyên môn đã soạn lại cách làm thành tài liệu ngắn gọn để các lớp khác trong trường cùng áp dụng, kèm phiếu hỏi ý kiến học sinh sau mỗi tháng.'), \
    (8, 'Liên đội cùng tham gia, biến hoạt động thành phong trào thi đua giữa các chi đội, với phần thưởng là những cuốn sách hay do cha mẹ học sinh quyên góp.'), \
    (9, 'Những câu chuyện thật được kể lại bằng lời của chính các em, không nêu tên ai, để cả lớp hiểu rằng ai cũng có thể gặp rủi ro trên mạng và điều quan trọng là biết tìm người giúp đỡ.'), \
    (10, 'Mỗi em tự ghi lại thời gian dùng điện thoại trong tuần và đặt cho mình một mục tiêu nhỏ; cuối tháng, cả lớp cùng nhìn lại xem ai đã giữ được lời hứa với bản thân.'), \
    (11, 'Công an phường và cán bộ văn hóa - xã hội được mời đến trả lời câu hỏi của các em về những chiêu lừa đảo mới, từ tin nhắn giả danh ngân hàng đến trò chơi hứa tặng vật phẩm.'), \
    (12, 'Các em lớp lớn đã cùng nhau soạn bộ câu hỏi vui về an toàn trên mạng, được phát trên loa của trường vào giờ ra chơi mỗi sáng thứ Sáu.'))";
const MIDDLE_COUNT: i64 = 13;

/// The third paragraph: `a` + a number + `b`.
const OUTCOME: &str = "outcome(k, a, b) AS (VALUES \
    (0, 'Đến nay đã có ', ' học sinh tham gia, và nhiều phụ huynh cho biết con đã chủ động hỏi ý kiến trước khi chia sẻ bất cứ điều gì lên mạng.'), \
    (1, 'Sau một học kỳ, ', ' em đã tự phát hiện và báo cho thầy cô những tin nhắn lừa đảo trước khi kịp bấm vào đường link lạ.'), \
    (2, 'Phiếu khảo sát cuối kỳ cho thấy ', ' em biết cách chặn và báo cáo một tài khoản làm phiền, gấp đôi so với đầu năm học.'), \
    (3, 'Hoạt động đã lan sang các lớp khác, với ', ' lượt học sinh tham gia chỉ trong tháng vừa qua.'), \
    (4, 'Nhà trường dự định nhân rộng cách làm này trong năm học tới; đã có ', ' gia đình đăng ký cùng tham gia các buổi sinh hoạt.'), \
    (5, 'Ban giám hiệu ghi nhận ', ' lượt học sinh tham gia và đề nghị phòng giới thiệu cách làm với các trường bạn trong phường.'), \
    (6, 'Cuối năm học, ', ' bản cam kết của học sinh và cha mẹ được trưng bày ở phòng truyền thống của trường.'))";
const OUTCOME_COUNT: i64 = 7;

/// A time given as seconds since the epoch (an integer SQL expression), as each backend stores
/// a time: SQLite as the RFC 3339 text sqlx writes for a whole second, PostgreSQL as timestamptz.
fn at_sql(sqlite: bool, secs: &str) -> String {
    if sqlite {
        format!("strftime('%Y-%m-%dT%H:%M:%SZ', {secs}, 'unixepoch')")
    } else {
        format!("to_timestamp({secs})")
    }
}

/// The statements of one block, over the story's rank `j` (0-based over the whole call). Binds
/// shared by all: `$1` now (epoch seconds), `$2` stories in the call, `$3` withdrawn in the
/// call. The rank of a story row written by the block is `id + $4`.
struct BlockSql {
    stories: String,
    subjects: String,
    consents: String,
    publications: String,
    photos: String,
}

fn block_sql(sqlite: bool) -> BlockSql {
    // When the story went up on the office's page: spread evenly over the year before now,
    // oldest first, each moved back by up to half a day so that the order of publication is not
    // quite the order of writing.
    let published = |j: &str| format!("($1 - ($2 - 1 - {j}) * {YEAR_SECS} / $2 - ({j} * 7919) % 43200)");
    // Written one to nine days before.
    let created = |j: &str| format!("({} - 86400 * (1 + {j} % 9))", published(j));
    // Exactly `$3` of the `$2` ranks are withdrawn, evenly spread.
    let withdrawn = |j: &str| format!("((({j}) + 1) * $3 / $2 > ({j}) * $3 / $2)");
    let j = "(st.id + $4)";
    // SQLite keeps the order of a CROSS JOIN: the series (or the block's stories) drives, and
    // each small fragment table is looked at once per story, not the other way round (which it
    // chose otherwise, scanning the series for every combination of fragments).
    let stories = format!(
        "WITH RECURSIVE s(j) AS (SELECT CAST($5 AS BIGINT) UNION ALL SELECT j + 1 FROM s WHERE j < $6 - 1), \
         sc(r, id, name) AS (SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id, name FROM units \
         WHERE path >= $7 AND path < $8 AND kind = 'school' AND status = 'active'), \
         {WHO}, {WHAT}, {OPENING}, {MIDDLE}, {OUTCOME} \
         INSERT INTO stories (unit_id, title, body, author_id, created_at, updated_at) \
         SELECT sc.id, who.honor || ' ' || who.short_name || ' và ' || what.txt, \
         opening.a || lower(who.honor) || ' ' || who.full_name || ' (' || sc.name || ')' || opening.b || what.txt || '.' \
         || $9 || middle.txt || $9 || outcome.a || CAST(12 + (s.j * 37) % 290 AS TEXT) || outcome.b, \
         $10, {c}, {c} \
         FROM s CROSS JOIN sc CROSS JOIN who CROSS JOIN what CROSS JOIN opening CROSS JOIN middle CROSS JOIN outcome \
         WHERE sc.r = (s.j * 7 + s.j / 5) % $11 AND who.k = s.j % {WHO_COUNT} \
         AND what.k = (s.j / {WHO_COUNT}) % {WHAT_COUNT} AND opening.k = (s.j * 3) % {OPENING_COUNT} \
         AND middle.k = (s.j / 2) % {MIDDLE_COUNT} AND outcome.k = (s.j / 3) % {OUTCOME_COUNT} \
         ORDER BY s.j",
        c = at_sql(sqlite, &created("s.j")),
    );
    let subjects = format!(
        "WITH {WHO} INSERT INTO story_subjects (story_id, position, kind, name, age, parent_id) \
         SELECT st.id, 0, 'teacher', who.full_name, NULL, NULL FROM stories st CROSS JOIN who \
         WHERE st.id > $5 AND who.k = {j} % {WHO_COUNT} ORDER BY st.id"
    );
    // The teacher's own consent for the office's page (withdrawn for the stories taken down),
    // and for the school's page where the story is published there too.
    let consents = format!(
        "INSERT INTO story_consents (story_id, subject_id, given_by, purpose, method, note, recorded_by, recorded_at, \
         withdrawn_at, withdrawn_by, withdrawal_note) \
         SELECT st.id, ss.id, 'self', pp.purpose, 'paper', 'Phiếu giấy lưu tại văn phòng trường', $6, {recorded}, \
         CASE WHEN pp.purpose = 'office_site' AND {w} THEN {gone} END, CASE WHEN pp.purpose = 'office_site' AND {w} THEN $6 END, \
         CASE WHEN pp.purpose = 'office_site' AND {w} THEN 'Giáo viên xin rút lại sự đồng ý' ELSE '' END \
         FROM stories st JOIN story_subjects ss ON ss.story_id = st.id \
         JOIN (SELECT 'office_site' AS purpose UNION ALL SELECT 'school_site') pp \
         ON pp.purpose = 'office_site' OR ({j} % 3 = 0 AND NOT {w}) \
         WHERE st.id > $5 ORDER BY st.id, pp.purpose",
        recorded = at_sql(sqlite, &format!("({} + 3600)", created(j))),
        w = withdrawn(j),
        gone = at_sql(sqlite, &format!("(($1 + {}) / 2)", published(j))),
    );
    let publications = format!(
        "INSERT INTO story_publications (story_id, purpose, approved_by, published_at, unpublished_at, unpublished_reason) \
         SELECT st.id, pp.purpose, CASE WHEN pp.purpose = 'office_site' THEN $6 ELSE $7 END, \
         CASE WHEN pp.purpose = 'office_site' THEN {p} ELSE {school_p} END, \
         CASE WHEN pp.purpose = 'office_site' AND {w} THEN {gone} END, \
         CASE WHEN pp.purpose = 'office_site' AND {w} THEN $8 ELSE '' END \
         FROM stories st JOIN (SELECT 'office_site' AS purpose UNION ALL SELECT 'school_site') pp \
         ON pp.purpose = 'office_site' OR ({j} % 3 = 0 AND NOT {w}) \
         WHERE st.id > $5 ORDER BY st.id, pp.purpose",
        p = at_sql(sqlite, &published(j)),
        school_p = at_sql(sqlite, &format!("({} - 43200)", published(j))),
        w = withdrawn(j),
        gone = at_sql(sqlite, &format!("(($1 + {}) / 2)", published(j))),
    );
    let photos = format!(
        "INSERT INTO story_photos (story_id, position, caption, width, height, large, small, created_at, deleted_at) \
         SELECT st.id, 0, 'Ảnh hoạt động do nhà trường chụp', $6, $7, $8, $8, st.created_at, NULL FROM stories st \
         WHERE st.id > $5 AND {j} % 4 = 1 AND NOT {w} ORDER BY st.id",
        w = withdrawn(j),
    );
    BlockSql {
        stories,
        subjects,
        consents,
        publications,
        photos,
    }
}

impl Store {
    /// Adds an office below the first department with `schools` primary schools: somewhere
    /// else for stories to be published, so that the measured office's are not alone in the
    /// index of live publications. Gives its id.
    pub async fn add_public_bench_office(&self, schools: i64) -> Result<i64> {
        let at = now();
        let sqlite = matches!(self.backend, Backend::Sqlite(_));
        // Each id is only known after its row is written; SQLite and PostgreSQL pad it
        // differently.
        let path_sql = if sqlite {
            "UPDATE units SET path = $1 || printf('%012d', id) || '/' WHERE "
        } else {
            "UPDATE units SET path = $1 || lpad(id::text, 12, '0') || '/' WHERE "
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let department: Option<(i64, String)> =
                sqlx::query_as("SELECT id, path FROM units WHERE kind = 'department' ORDER BY id LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            let (department, department_path) = department.ok_or(StoreError::NotFound("sở"))?;
            let (office,): (i64,) = sqlx::query_as(
                "INSERT INTO units (parent_id, path, code, name, name_folded, kind, status, created_at, updated_at) \
                 VALUES ($1, '', $2, 'Phòng Văn hóa - Xã hội (bench trang công khai)', \
                 'phong van hoa - xa hoi (bench trang cong khai)', 'office', 'active', $3, $3) RETURNING id",
            )
            .bind(department)
            .bind(BENCH_OFFICE_CODE)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("{path_sql}id = $2")))
                .bind(&department_path)
                .bind(office)
                .execute(&mut *tx)
                .await?;
            let (office_path,): (String,) = sqlx::query_as("SELECT path FROM units WHERE id = $1")
                .bind(office)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "WITH RECURSIVE s(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < $1) \
                 INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, created_at, updated_at) \
                 SELECT $2, '', 'BP-' || CAST(i AS TEXT), 'Trường Tiểu học Bench ' || CAST(i AS TEXT), \
                 'truong tieu hoc bench ' || CAST(i AS TEXT), 'school', 'primary', 'active', $3, $3 FROM s ORDER BY i",
            )
            .bind(schools)
            .bind(office)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("{path_sql}parent_id = $2")))
                .bind(&office_path)
                .bind(office)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            office
        }))
    }

    /// Publishes `stories` stories on the page of the office `office_code`, written at its
    /// active schools (in turn) and published over the past year; a third of them on their
    /// school's page too, a quarter with `photo`; and one in a hundred more taken down after
    /// the teacher withdrew their consent. `progress` is told after every block.
    pub async fn generate_public_site_bench(
        &self,
        office_code: &str,
        stories: i64,
        people: StoryPeople<'_>,
        photo: &BenchPhoto,
        progress: &mut dyn FnMut(&str),
    ) -> Result<PublicSiteBench> {
        let now_secs = now().unix_timestamp();
        let withdrawn = stories / 100;
        let total = stories + withdrawn;
        let mut conn = self.bulk_connection().await?;
        let sql = block_sql(matches!(conn, Conn::Sqlite(_)));
        let result: Result<PublicSiteBench> = on_conn!(&mut conn, c => {
            let ids: (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT id FROM people WHERE username = $1), (SELECT id FROM people WHERE username = $2), \
                 (SELECT id FROM people WHERE username = $3)",
            )
            .bind(people.author)
            .bind(people.principal)
            .bind(people.office)
            .fetch_one(&mut *c)
            .await?;
            let (Some(author), Some(principal), Some(approver)) = ids else {
                return Err(StoreError::NotFound("tài khoản"));
            };
            let office: Option<(i64, String)> = sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                .bind(office_code)
                .fetch_optional(&mut *c)
                .await?;
            let (office_id, low) = office.ok_or(StoreError::NotFound("phòng"))?;
            // The subtree of a path is the range [path, path with its last '/' raised to '0').
            let high = format!("{}0", low.trim_end_matches('/'));
            let (schools,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM units WHERE path >= $1 AND path < $2 AND kind = 'school' AND status = 'active'",
            )
            .bind(&low)
            .bind(&high)
            .fetch_one(&mut *c)
            .await?;
            if schools == 0 {
                return Err(StoreError::NotFound("trường đang hoạt động"));
            }
            let mut done = 0i64;
            while done < total {
                let end = (done + STORIES_PER_TRANSACTION).min(total);
                let mut tx = sqlx::Connection::begin(&mut *c).await?;
                let (base,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM stories")
                    .fetch_one(&mut *tx)
                    .await?;
                let added = sqlx::query(sqlx::AssertSqlSafe(sql.stories.as_str()))
                    .bind(now_secs)
                    .bind(total)
                    .bind(withdrawn)
                    .bind(0i64)
                    .bind(done)
                    .bind(end)
                    .bind(&low)
                    .bind(&high)
                    .bind("\n\n")
                    .bind(author)
                    .bind(schools)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // The later statements find a story's rank from its id: the block's ids must be
                // the ones after `base`, one per rank, in order (both backends number an
                // INSERT … SELECT's rows in the order the SELECT gives them).
                let (n, first, last): (i64, Option<i64>, Option<i64>) =
                    sqlx::query_as("SELECT COUNT(*), MIN(id), MAX(id) FROM stories WHERE id > $1")
                        .bind(base)
                        .fetch_one(&mut *tx)
                        .await?;
                let expected = end - done;
                if u64::try_from(expected).ok() != Some(added)
                    || n != expected
                    || first != Some(base + 1)
                    || last != Some(base + expected)
                {
                    return Err(StoreError::Conflict(format!(
                        "stories {done}..{end}: ids {first:?}..{last:?} ({n} rows) after {base}"
                    )));
                }
                let offset = done - base - 1;
                sqlx::query(sqlx::AssertSqlSafe(sql.subjects.as_str()))
                    .bind(now_secs)
                    .bind(total)
                    .bind(withdrawn)
                    .bind(offset)
                    .bind(base)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(sql.consents.as_str()))
                    .bind(now_secs)
                    .bind(total)
                    .bind(withdrawn)
                    .bind(offset)
                    .bind(base)
                    .bind(author)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(sql.publications.as_str()))
                    .bind(now_secs)
                    .bind(total)
                    .bind(withdrawn)
                    .bind(offset)
                    .bind(base)
                    .bind(approver)
                    .bind(principal)
                    .bind(WITHDRAWN_REASON)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(sql.photos.as_str()))
                    .bind(now_secs)
                    .bind(total)
                    .bind(withdrawn)
                    .bind(offset)
                    .bind(base)
                    .bind(photo.width)
                    .bind(photo.height)
                    .bind(&photo.jpeg)
                    .execute(&mut *tx)
                    .await?;
                // Each subject's name is in its story's title: the subjects met their stories.
                let (astray,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM stories st JOIN story_subjects ss ON ss.story_id = st.id \
                     WHERE st.id > $1 AND st.body NOT LIKE '%' || ss.name || '%'",
                )
                .bind(base)
                .fetch_one(&mut *tx)
                .await?;
                if astray > 0 {
                    return Err(StoreError::Conflict(format!("{astray} subjects not named in their story")));
                }
                tx.commit().await?;
                done = end;
                progress(&format!("{done} stories"));
            }
            let counted: (i64, i64, i64, i64) = sqlx::query_as(
                "SELECT \
                 (SELECT COUNT(*) FROM story_publications p JOIN stories s ON s.id = p.story_id JOIN units u ON u.id = s.unit_id \
                  WHERE p.purpose = 'office_site' AND p.unpublished_at IS NULL AND u.path >= $1 AND u.path < $2), \
                 (SELECT COUNT(*) FROM story_publications p JOIN stories s ON s.id = p.story_id JOIN units u ON u.id = s.unit_id \
                  WHERE p.purpose = 'school_site' AND p.unpublished_at IS NULL AND u.path >= $1 AND u.path < $2), \
                 (SELECT COUNT(*) FROM story_publications p JOIN stories s ON s.id = p.story_id JOIN units u ON u.id = s.unit_id \
                  WHERE p.purpose = 'office_site' AND p.unpublished_at IS NOT NULL AND u.path >= $1 AND u.path < $2), \
                 (SELECT COUNT(*) FROM story_photos f JOIN stories s ON s.id = f.story_id JOIN units u ON u.id = s.unit_id \
                  WHERE f.deleted_at IS NULL AND u.path >= $1 AND u.path < $2)",
            )
            .bind(&low)
            .bind(&high)
            .fetch_one(&mut *c)
            .await?;
            Ok(PublicSiteBench {
                office_id,
                schools,
                live: counted.0,
                school_site: counted.1,
                withdrawn: counted.2,
                photos: counted.3,
            })
        });
        let generated = result?;
        Store::finish_bulk_load(conn, "bench_public_site_dataset", format!("{office_code}:{stories}")).await?;
        Ok(generated)
    }

    /// The plan of the query behind an office's public list (`published_stories`, the same
    /// text), one line per step: SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN (ANALYZE,
    /// BUFFERS)` (so it runs once).
    pub async fn bench_explain_published_stories(
        &self,
        ancestry: &[i64],
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>> {
        let (sql, scope) = published_stories_sql(PublicScope::Subtree(ancestry));
        let explain = match &self.backend {
            Backend::Sqlite(_) => format!("EXPLAIN QUERY PLAN {sql}"),
            Backend::Postgres(_) => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
        };
        let (low, high) = scope.range.unwrap_or_default();
        Ok(on_pool!(self, pool => {
            use sqlx::Row;
            let rows = sqlx::query(sqlx::AssertSqlSafe(explain.as_str()))
                .bind(Purpose::OfficeSite.as_str())
                .bind(low)
                .bind(high)
                .bind(limit + 1)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(match &self.backend {
                    Backend::Sqlite(_) => row.try_get::<String, _>(3)?,
                    Backend::Postgres(_) => row.try_get::<String, _>(0)?,
                });
            }
            out
        }))
    }
}
