"""What residents type and what they should find in corpus.py: for each query, every document a
person would count as a right answer (judged by reading the corpus, not by running the search).
Queries use the corpus's own words (no synonyms): single topics, two words, pinyin and
traditional characters."""

ELDERLY_CARE = {"project:2", "organization:1", "activity:1", "page:1"}
MEALS = {"project:1", "project:3", "organization:1", "organization:14", "activity:4", "page:5"}
WASTE_SORTING = {"project:4", "organization:3", "activity:2", "page:2"}
CORRECTIONS = {"project:5", "organization:2", "activity:16", "page:11"}

QUERIES: list[tuple[str, set[str]]] = [
    ("养老", ELDERLY_CARE),
    ("助餐", MEALS),
    ("垃圾分类", WASTE_SORTING),
    ("社区矫正", CORRECTIONS),
    ("心理疏导", {"project:6", "organization:2", "organization:4", "page:10"}),
    ("儿童托管", {"project:7", "project:8", "organization:6", "activity:15", "page:7"}),
    ("党员志愿", {"activity:3", "activity:18", "organization:10", "page:3"}),
    ("文明实践", {"project:15", "activity:6", "page:8"}),
    ("物业纠纷", {"project:9", "organization:7", "page:6"}),
    ("调解", {"project:9", "organization:7", "page:6"}),
    ("长者食堂", {"project:3", "organization:14"}),
    ("独居老人", {"project:12", "project:1", "activity:4"}),
    ("心理咨询", {"organization:4", "activity:7", "page:10"}),
    ("诈骗", {"project:17", "activity:8", "organization:12", "page:12"}),
    ("禁毒", {"project:14", "activity:13"}),
    ("消防安全", {"project:10", "activity:14", "organization:12"}),
    ("法律援助", {"project:18"}),
    ("家庭教育", {"project:13", "organization:13"}),
    ("四点半课堂", {"project:7", "organization:6", "activity:5"}),
    ("义诊", {"activity:9"}),
    ("捐赠", {"organization:8", "project:19"}),
    ("孵化培育", {"project:16", "page:4"}),
    ("社区社会组织", {"project:16", "page:4"}),
    ("困境儿童", {"project:19", "organization:8"}),
    ("居家养老", {"project:2", "organization:1"}),
    ("邻里互助", {"organization:5", "activity:17"}),
    ("读书", {"organization:11", "activity:11"}),
    ("环保", {"organization:3"}),
    # two words
    ("老人 助餐", MEALS),
    ("暑期 托管", {"project:8", "activity:15", "page:7"}),
    ("残疾人 康复", {"project:11", "organization:9"}),
    ("电动自行车 充电", {"project:10", "activity:14"}),
    ("在职党员 报到", {"activity:3", "activity:18", "page:3"}),
    ("志愿者招募", {"activity:2", "activity:4", "activity:5", "activity:15"}),
    ("养老服务补贴", {"page:1"}),
    ("失能老人", {"project:2", "page:1"}),
    ("送餐上门", {"project:1", "activity:4"}),
    ("心理健康讲座", {"project:6", "organization:4"}),
    ("防溺水", {"project:8", "page:7"}),
    ("垃圾", WASTE_SORTING | {"activity:12"}),
    ("志愿服务时长", {"activity:2", "page:3"}),
    # a place and a topic, a topic and a group: the common word must not crowd out the rest
    ("幸福里 助餐", {"project:1", "organization:1", "activity:4"}),
    ("城关街道 儿童托管", {"project:8", "organization:6", "activity:15"}),
    ("楼道 充电", {"project:10", "activity:14"}),
    ("老年人 反诈", {"project:17", "activity:8", "page:12"}),
    # pinyin
    ("yanglao", ELDERLY_CARE),
    ("zhucan", MEALS),
    ("laji fenlei", WASTE_SORTING),
    # traditional characters
    ("養老", ELDERLY_CARE),
    ("垃圾分類", WASTE_SORTING),
    ("社區矯正", CORRECTIONS),
]
