"""Word lists of Chinese news language that the patterns are built from.

General vocabulary only (surnames, titles, generic name endings, verbs that
end a name), nothing taken from a particular edition.
"""

from __future__ import annotations

from .ids import DOUBLE_SURNAMES

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠"
    "惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉"
    "禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修"
    "邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴"
    "昝智幸奉植衡富尧闭由习郦蔚"
) | DOUBLE_SURNAMES

# Titles: an optional institution (区委, 区人大常委会, 国务院 …), optional 副, a core.
ROLE_CORES = (
    "总书记", "书记", "常委", "区长", "市长", "县长", "镇长", "乡长", "省长", "州长", "主任",
    "主席", "部长", "局长", "处长", "科长", "组长", "秘书长", "总理", "院长", "校长", "董事长",
    "总经理", "经理", "厂长", "所长", "站长", "队长", "馆长", "主编", "社长", "记者", "通讯员",
    "领导", "负责人", "检察长", "庭长", "政委", "司令员", "大使", "发言人", "会长", "理事长",
    "委员", "总监", "首席执行官", "教授", "院士", "总工程师", "指挥长", "召集人", "街道办主任",
)
ROLE_INSTITUTIONS = (
    "中共中央", "党中央", "国务院", "全国人大常委会", "全国政协", "人大常委会", "政协", "党委",
    "党工委", "党组", "纪委", "监委", "政府", "委", "本报", "新华社", "中央",
)
ADMIN_UNITS = "区市县省镇乡州"
# Titles that may follow the name (习近平总书记) rather than precede it.
TRAILING_ROLES = ("总书记", "主席", "总理", "委员长", "院士", "教授", "同志")

# After a name, these begin the rest of the sentence (郭芳主持, 章维出席).
AFTER_NAME_WORDS = frozenset((
    "主持", "出席", "参加", "表示", "指出", "强调", "先后", "走访", "带队", "传达", "慰问",
    "分别", "一行", "同志", "听取", "召开", "宣布", "讲话", "介绍", "前往", "来到", "调研",
    "视察", "察看", "考察", "会见", "看望", "检查", "要求", "提出", "认为", "说道", "率队",
    "主讲", "作了", "做了", "陪同", "参观", "致辞", "希望", "鼓励", "详细", "同时", "问得",
    "还", "重点", "随后", "代表", "发表", "实地", "深入", "专程", "一同", "共同", "也",
))
AFTER_NAME_CHARS = frozenset("等和与及在到向对为是也还就率说的了将均都又再已并、，。；：！？（）“”")

# Characters and words that end a scan backwards from a place or organisation suffix.
BOUNDARY_CHARS = frozenset("的了在和与及或到往至从于对向把被将由为是等、，。；：！？“”‘’（）《》〈〉·")
BOUNDARY_WORDS = frozenset((
    "召开", "来到", "前往", "走访", "检查", "指导", "慰问", "成立", "组建", "设立", "举行",
    "主持", "出席", "参加", "启用", "派出", "发布", "印发", "看望", "深入", "视察", "调研",
    "察看", "位于", "部署", "传达", "学习", "贯彻", "落实", "研究", "建立", "加入", "联合",
    "依托", "借助", "协调", "配合", "通过", "经过", "包括", "介绍", "表示", "指出", "强调",
    "要求", "号召", "响应", "赶赴", "抵达", "走进", "进入", "覆盖", "涉及", "实施", "针对",
    "沿着", "靠近", "毗邻", "所在", "来自", "隶属", "会同", "携手", "牵头", "开展", "推进",
    "完成", "开设", "设置", "借用", "使用", "办公", "入驻", "开展", "组织", "带领", "率领",
))
DETERMINERS = frozenset("各该本某每此这那全其")
MEASURE_WORDS = frozenset("个处座条家所名位只栋幢号户间片批次")
NUMERALS = frozenset("0123456789〇零一二三四五六七八九十百千万两几多数")

# Name endings: (suffix, minimum characters before it, what else it needs:
# "model" – the model sees a name there too; "admin" – an administrative unit before it).
PLACE_SUFFIXES = (
    ("居民区", 2, None), ("街道", 2, None), ("新村", 2, None), ("小区", 2, "model"),
    ("路", 2, "model"), ("镇", 2, "model"), ("村", 2, "model"), ("大街", 2, "model"),
    ("大道", 2, "model"),
)
ORG_SUFFIXES = (
    ("人大常委会", 1, None), ("常委会", 2, None), ("委员会", 2, None), ("领导小组", 2, None),
    ("组织部", 1, None), ("宣传部", 1, None), ("统战部", 1, None), ("办事处", 2, None),
    ("有限公司", 2, None), ("公司", 2, None), ("医院", 2, None), ("中心", 3, None),
    ("人民政府", 1, "admin"), ("政府", 1, "admin"), ("政协", 1, None), ("党委", 2, None),
    ("党工委", 2, None), ("居委会", 2, "model"), ("管理局", 2, None), ("卫健委", 1, None),
    ("大学", 2, "model"),
)
# Short forms of party and state bodies, written without a suffix.
ORG_WORDS = ("党中央", "中共中央", "国务院", "全国人大", "全国政协", "中央", "市委", "区委", "县委",
             "省委", "新华社")
# Place lists closed by these words are lists of places (走访了A、B等地).
PLACE_LIST_ENDS = ("等地", "等处", "等地区", "等区域", "等点位")
