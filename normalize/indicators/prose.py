"""Statistics stated in prose: phrasing families as data, matched sentence by sentence.

Each `Rule` belongs to a phrasing family (proactive, catalogue, requests, replies, disputes, fees,
channels, consultations, resources, responses) and gives one code. Its pattern is matched inside one
clause (the wildcards never cross ， , 。 ； : so a statement never borrows a number from its
neighbour); the matched text is the indicator's `raw`, an exact substring of the sentence.

Rules are tried in order and a later rule never takes text an earlier one took, so specific
phrasings ("各乡镇主动公开…") come before general ones ("主动公开…N条"). A rule may require or forbid
words in its clause or sentence, or a section of the report (`sections`): that is how the traps are
kept out — tax 减免, 行政审批 受理/办结, 价格和收费 as a kind of published information, percentages
(a number must be followed by its unit, never by %), service-hall business.

Stated zeros ("未收到…申请", "无收费及减免情况", "暂不收费") are rules without a number: value 0, raw
the statement. One zero statement can cover several codes ("未发生…行政复议和行政诉讼").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .numbers import NUMBER, parse_number

_N = rf"(?P<n>{NUMBER})"
_W = r"[^，,。；;：:！？\d]"  # one character inside a clause, not a digit
_COUNT = r"(?P<u>件|宗|起|个|次|份|人次)"
_CLAUSE_BREAK = "，,。；;：:！？"

# words that mark a sentence as being about something else than disclosure requests
_NOT_REQUESTS = r"审批|许可|办件|业务|服务中心|服务大厅|便民|信访|热线|12345|建议|提案|来信来访|投诉举报件"
_ABOUT_DISCLOSURE = r"信息公开|依申请公开|公开申请|申请公开"


@dataclass(frozen=True)
class Rule:
    family: str
    codes: tuple[str, ...]  # one code; several only for zero statements covering several codes
    pattern: re.Pattern
    clause_needs: Optional[re.Pattern] = None  # searched in the clause up to the end of the match
    clause_not: Optional[re.Pattern] = None  # searched in the whole clause (also after the match)
    sentence_needs: Optional[re.Pattern] = None
    sentence_not: Optional[re.Pattern] = None
    sections: tuple[str, ...] = ()  # a section that stands in for missing clause/sentence words; alone: required


def _r(family, codes, pattern, *, clause_needs=None, clause_not=None, sentence_needs=None, sentence_not=None,
       sections=()):
    c = lambda p: re.compile(p) if p else None  # noqa: E731
    return Rule(family, tuple(codes.split()) if isinstance(codes, str) else tuple(codes), re.compile(pattern),
                c(clause_needs), c(clause_not), c(sentence_needs), c(sentence_not), tuple(sections))


_REVIEW = r"(?:申请)?(?:行政)?复议(?:申请|案件|案)?"
_SUIT = r"(?:提起)?(?:行政)?诉讼(?:案件|案)?"
_AND = r"(?:和|、|与|或|或者|及|以及)"
_PROACTIVE = rf"主动(?:向社会)?公开(?:了)?(?:各类)?(?:政府)?信息(?:的)?(?:数|总数|量)?(?:为|达|共|共计|合计|有)?{_N}(?P<u>条|件)"

RULES: list[Rule] = [
    # ---- catalogue (编目: information produced, classed by disclosure type) ----
    _r("catalogue", "info_produced_total", rf"制作、?(?:和)?获取(?:的)?政府信息(?:总数|总量|共|共计)?(?:为|达)?{_N}(?P<u>条|件)"),
    _r("catalogue", "info_on_request_class", rf"(?:作为|属于)?依申请公开(?:的)?(?:政府)?信息(?:数)?(?:为)?{_N}(?P<u>条|件)?(?![\d%％])",
       sentence_needs=r"制作、?(?:和)?获取|编目|梳理"),
    _r("catalogue", "info_not_public_class", rf"不予公开(?:的)?(?:政府)?信息(?:数)?(?:为)?{_N}(?P<u>条|件)?(?![\d%％.])",
       sentence_needs=r"制作、?(?:和)?获取|编目|梳理"),
    _r("catalogue", "info_not_public_class", rf"不予公开(?:的)?(?:政府)?信息(?:数)?(?:有|为)?{_N}(?P<u>条)",
       sentence_not=r"申请|答复|复议|诉讼"),
    # ---- proactive disclosure ----
    _r("proactive", "proactive_township", rf"各乡镇(?:（街道）|\(街道\)|、街道|和街道)?(?:共)?{_PROACTIVE}"),
    _r("proactive", "proactive_dept_level", _PROACTIVE, clause_needs=r"(?:区直|县直|市直)(?:、(?:区直|县直|市直))?各(?:单位|部门)"),
    _r("proactive", "proactive_online_by_office", _PROACTIVE, clause_needs=r"公开办"),
    _r("proactive", "proactive_website",
       rf"通过(?:政府|门户|本单位|本局)?(?:门户)?网站(?:主动)?公开(?:各类)?(?:政府)?(?:信息)?(?:数)?(?:为|共)?{_N}(?P<u>条|件)",
       clause_needs=r"其中"),
    _r("proactive", "proactive_portal_total",
       rf"通过(?:政府|门户|本单位|本局)?(?:门户)?网站(?:主动)?公开(?:各类)?(?:政府)?(?:信息)?(?:数)?(?:为|共)?{_N}(?P<u>条|件)"),
    _r("proactive", "proactive_website",
       rf"通过[^，,。；;：:\d]{{0,30}}?网站[^，,。；;：:\d]{{0,30}}?公开(?:了)?{_N}(?P<u>条)(?:政府)?信息", clause_needs=r"其中"),
    _r("proactive", "proactive_portal_total",
       rf"通过[^，,。；;：:\d]{{0,30}}?(?:门户网站|政府网站)[^，,。；;：:\d]{{0,30}}?公开(?:了)?{_N}(?P<u>条)(?:政府)?信息"),
    _r("proactive", "proactive_wechat",
       rf"通过[^，,。；;：:\d]{{0,12}}?微信(?:公众号|公众平台)?(?:主动)?公开(?:政府)?(?:信息)?(?:数)?(?:为|共)?{_N}(?P<u>条|件)"),
    _r("proactive", "proactive_weibo",
       rf"通过[^，,。；;：:\d]{{0,12}}?微博(?:主动)?公开(?:政府)?(?:信息)?(?:数)?(?:为|共)?{_N}(?P<u>条|件)"),
    _r("proactive", "proactive_other_channel",
       rf"通过[^，,。；;：:\d]{{0,16}}?(?:其他|其它)(?:方式|渠道|途径)(?:主动)?公开(?:政府)?(?:信息)?(?:数)?(?:为|共)?{_N}(?P<u>条|件)"),
    _r("proactive", "proactive_normative", rf"主动公开(?:了)?规范性文件(?:数)?(?:为|达|共)?{_N}(?P<u>件|份|条)"),
    _r("proactive", "proactive_total",
       rf"(?:(?:本局|我局|本委|我委|本办|我办|本机关|我机关|本单位|我单位|本部门|我部门|本厅|我厅|全区|全县|全市|全镇|全乡)(?:共|累计|合计|全年共?)?|(?:共|累计|合计|全年共?))?(?:新增|发布|公布)?(?:各类)?{_PROACTIVE}",
       clause_not=r"其他|其它|较大"),
    _r("proactive", "proactive_total", rf"(?:共|全年共?|累计)(?:公开|发布)(?:了)?(?:各类)?(?:政府)?信息{_N}(?P<u>条|件)",
       sections=("proactive",)),
    # ---- requests ----
    _r("requests", "requests_total",
       rf"(?:共|全年共?|累计|合计)?(?:受理|收到|接到|接收|办理)(?:了)?{_W}{{0,16}}?(?:政府信息公开|信息公开|依申请公开(?:政府信息)?|公开政府信息)(?:的)?(?:申请|请求|事项)?(?:共|总计|合计)?(?:为)?{_N}(?P<u>件|宗|起|份|条|个|人次)",
       clause_needs=_ABOUT_DISCLOSURE, clause_not=r"复议|诉讼|咨询|" + _NOT_REQUESTS),
    _r("requests", "requests_total",
       rf"(?:共|全年共?|累计|合计)?(?:受理|收到|接到|接收)(?:了)?{_W}{{0,16}}?申请(?:共|总计|合计)?(?:为)?{_N}(?P<u>件|宗|起|份|条|个)",
       clause_needs=_ABOUT_DISCLOSURE, clause_not=r"复议|诉讼|咨询|" + _NOT_REQUESTS, sections=("requests",)),
    _r("requests", "requests_total",
       r"(?:未|没有|尚未|均未)(?:收到|受理|接到|接收)(?:过)?(?:任何)?(?:有关|关于)?(?:公民、法人(?:或|和)(?:者)?其他组织(?:提出)?的?)?(?:对本(?:局|单位|机关|部门)的)?(?:政府)?(?:信息公开|依申请公开)(?:方面)?(?:的)?(?:申请|事项)",
       clause_not=r"复议|诉讼"),
    _r("requests", "requests_total",
       r"(?:未|没有|尚未|均未)(?:收到|受理|接到|接收|发生)(?:过)?(?:任何)?[^，,。；;：:\d]{1,16}?(?:公开政府信息|政府信息公开|信息公开)(?:方面)?(?:的)?申请",
       clause_not=r"复议|诉讼"),
    _r("requests", "requests_total",
       r"(?:未|没有|无)(?:发生)?(?:过)?(?:依申请公开|依申请信息公开|政府信息公开申请)(?:政府)?(?:信息)?(?:的)?(?:情况|事项|事件)",
       clause_not=r"复议|诉讼"),
    _r("requests", "requests_total",
       rf"(?:共|全年共?)?(?:受理|收到|接到|接收)(?:了)?{_N}(?P<u>件|起|宗|份|条|个)(?:政府信息公开申请|政府信息依申请公开|政府信息公开|依申请公开(?:申请)?|信息公开申请|申请)",
       clause_needs=_ABOUT_DISCLOSURE, clause_not=r"复议|诉讼|咨询|" + _NOT_REQUESTS),
    _r("requests", "requests_in_person", rf"(?:当面|现场)(?:提出|提交|递交)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=_ABOUT_DISCLOSURE + r"|申请", sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_letter_fax", rf"信函、传真(?:方式)?(?:申请|提出)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_online", rf"(?:网上|网络|在线|通过(?:门户)?网站)(?:提交|提出)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_letter", rf"(?:信函|来信|邮寄)(?:方式)?(?:提出)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_fax", rf"传真(?:方式)?(?:提出)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_email", rf"电子邮件(?:方式)?(?:提出)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    _r("requests", "requests_other", rf"其[他它](?:形式|方式)(?:提出)?(?:的)?申请(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_not=_NOT_REQUESTS),
    # ---- replies ----
    _r("replies", "replies_partial", rf"(?:同意|予以)?部分公开(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复", sentence_not=_NOT_REQUESTS),
    _r("replies", "replies_granted", rf"(?:同意|予以|准予)(?:全部)?(?:公开|提供)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复", sentence_not=_NOT_REQUESTS),
    _r("replies", "replies_denied", rf"(?:不予公开|不同意公开|否决公开|拒绝公开|拒绝提供|不予提供)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复", sentence_not=_NOT_REQUESTS + r"|编目|制作、?获取"),
    _r("replies", "denied_not_exist", rf"(?:申请的?)?(?:政府)?信息不存在(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "not_held", rf"(?:非本(?:机关|单位|部门|局)(?:掌握|职责|所有)?|不属于本(?:机关|单位|部门|局)(?:公开|掌握|职责)?(?:范围)?)(?:的)?(?:信息)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "denied_unclear", rf"(?:申请内容不明确|信息描述不清)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "replies_already_public", rf"属于已主动公开(?:的)?(?:范围|信息)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "told_to_amend", rf"告知(?:申请人)?(?:作出)?(?:更改|补充|更改补充|补正)(?:申请)?(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "told_other_route", rf"告知(?:申请人)?通过其他途径(?:办理|获取)(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请|答复"),
    _r("replies", "requests_completed_on_time", rf"按时办结(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=_ABOUT_DISCLOSURE + r"|申请", sentence_not=_NOT_REQUESTS),
    _r("replies", "requests_completed_extended", rf"延期办结(?:的)?(?:有|为)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=_ABOUT_DISCLOSURE + r"|申请", sentence_not=_NOT_REQUESTS),
    _r("replies", "replies_total", rf"(?:已|均已|全部|共|共计)?(?:作出|给予|予以)?答复(?:了)?(?:申请人)?(?:共)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=r"申请", sentence_not=_NOT_REQUESTS),
    _r("replies", "requests_completed", rf"(?:已|均已|全部)?办结(?:了)?(?:共)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=_ABOUT_DISCLOSURE, sentence_not=_NOT_REQUESTS),
    _r("replies", "requests_pending", rf"(?:正在办理|在办|尚在办理)(?:中)?(?:的)?(?:有)?{_N}(?P<u>件|宗|起|份|条|个)",
       sentence_needs=_ABOUT_DISCLOSURE, sentence_not=_NOT_REQUESTS),
    # ---- disputes (复议/诉讼/申诉) ----
    _r("disputes", "admin_review admin_litigation complaints",
       rf"(?:未|没有|无|尚未)(?:收到|发生|产生|出现|接到|涉及)?(?:过)?(?:任何)?(?:有关|针对|关于|因)?[^，,。；;：:\d]{{0,24}}?{_REVIEW}{_AND}{_SUIT}{_AND}(?:有关的)?(?:行政)?申诉(?:案件|案)?(?:的情况|情况)?",
       sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "admin_review admin_litigation",
       rf"(?:未|没有|无|尚未)(?:收到|发生|产生|出现|接到|涉及)?(?:过)?(?:任何)?(?:有关|针对|关于|因)?[^，,。；;：:\d]{{0,24}}?{_REVIEW}{_AND}{_SUIT}(?:的情况|情况|的案件)?",
       sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "admin_review",
       r"(?:未|没有|尚未)(?:收到|发生|产生|出现|接到|涉及)(?:过)?(?:任何)?(?:有关|针对|关于|因)?[^，,。；;：:\d]{0,20}?行政复议(?:申请|案件|的情况|情况)?",
       clause_not=r"诉讼", sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "admin_litigation",
       r"(?:未|没有|尚未)(?:收到|发生|产生|出现|接到|涉及)(?:过)?(?:任何)?(?:有关|针对|关于|因)?[^，,。；;：:\d]{0,20}?行政诉讼(?:案件|的情况|情况)?",
       clause_not=r"复议", sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "admin_review",
       rf"(?:(?:共)?(?:收到|受理|发生|接到)(?:了)?(?:有关|关于|因|针对)?[^，,。；;：:\d]{{0,12}}?)?行政复议(?:申请)?(?:案件)?(?:共|为)?{_N}{_COUNT}",
       sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "admin_litigation", rf"行政诉讼(?:案件)?(?:共|为)?{_N}{_COUNT}",
       sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    _r("disputes", "complaints", rf"(?:行政)?申诉(?:案件)?(?:共|为)?{_N}{_COUNT}",
       sentence_needs=_ABOUT_DISCLOSURE, sections=("review_litigation",)),
    # ---- fees ----
    _r("fees", "fees_waivers_amount",
       r"(?:无|没有|未发生|未产生|不存在)(?:任何)?(?:关于|有关)?[^，,。；;：:\d]{0,10}?收费(?:及|和|与)减免(?:情况|事项)?"),
    _r("fees", "fee_amount",
       r"暂不收费|暂不收取(?:任何)?(?:相关)?费用|(?:未|没有|均未|不)(?:向[^，,。；;：:\d]{1,12}?)?收取(?:[^，,。；;：:\d]{0,16}?)(?:任何)?(?:相关)?(?:费用|成本费)",
       sentence_needs=_ABOUT_DISCLOSURE + r"|检索|复制|复印|收费", sentence_not=r"税", sections=("fees",)),
    _r("fees", "fee_amount", r"(?:没有|未|均未)(?:发生|产生)?收费(?:情况|事项)?(?![及和与])", sentence_needs=_ABOUT_DISCLOSURE,
       sentence_not=r"税"),
    _r("fees", "fee_amount", r"(?:没有|无|不存在)(?:任何)?[^，,。；;：:\d]{0,10}?收费(?:项目|事项)(?![及和与])",
       sentence_needs=_ABOUT_DISCLOSURE, sentence_not=r"税|行政事业性"),
    _r("fees", "fee_waiver_amount", r"(?:不存在|无|没有)(?:收费)?减免(?:情况|事项)?",
       sentence_needs=r"收费|费用", sentence_not=r"税"),
    _r("fees", "fee_amount",
       rf"收取(?:[^，,。；;：:\d]{{0,12}})?费(?:用)?(?:共|合计|共计)?{_N}(?P<u>元|万元)",
       sentence_needs=_ABOUT_DISCLOSURE + r"|检索|复制|邮寄", sentence_not=r"税|行政事业性收费|罚"),
    # ---- channels ----
    _r("channels", "website_visits", rf"访问(?:量|人次|次数)(?:达到?|为|共|累计|已达)?{_N}(?P<u>万人次|人次|万次|次)",
       sentence_needs=r"信息公开|网站|专栏"),
    _r("channels", "notice_board_issues", rf"(?:刊出|出版|更新)(?:政务公开栏|公开栏){_N}(?P<u>期)"),
    _r("channels", "query_points", rf"(?:设立|设置|建立|建成)(?:了)?(?:政府信息)?(?:公开)?(?:公众)?(?:查阅|查询)(?:点|场所|室)(?:共)?{_N}(?P<u>个|处)"),
    _r("channels", "weibo_posts", rf"(?:发布|发送)(?:政务)?微博(?:信息)?(?:共)?{_N}(?P<u>条|篇)"),
    # ---- consultations ----
    _r("consultations", "consultations_phone", rf"电话咨询(?:共)?{_N}(?P<u>人次|次|件|人)"),
    _r("consultations", "consultations_window", rf"(?:现场|当面|窗口)咨询(?:共)?{_N}(?P<u>人次|次|件|人)"),
    _r("consultations", "consultations_online", rf"(?:网上|网络|在线)咨询(?:共)?{_N}(?P<u>人次|次|件|人)"),
    _r("consultations", "consultations_total",
       rf"(?:接受|受理|接待|解答|处理)(?:[^，,。；;：:\d]{{0,24}})?咨询(?:共|共计)?{_N}(?P<u>人次|次|件|人)",
       sentence_needs=r"信息公开|政府信息"),
    _r("consultations", "consultations_total",
       r"(?:未|没有)(?:接受到?|收到|接到|接待)(?:过)?(?:任何)?(?:有关|关于)?(?:政府信息公开|信息公开)(?:方面|工作)?的?咨询"),
    # ---- resources ----
    _r("resources", "staff_parttime", rf"{_N}(?P<u>名|人)兼职(?:的)?(?:工作)?人员", sentence_needs=r"信息公开|配备"),
    _r("resources", "staff_fulltime", rf"{_N}(?P<u>名|人)(?:专职|全职)(?:的)?(?:工作)?人员", sentence_needs=r"信息公开|配备"),
    _r("resources", "staff_fulltime", rf"(?:专职|全职)(?:从事政府信息公开工作的?)?(?:工作)?人员(?:共)?{_N}(?P<u>人|名)"),
    _r("resources", "staff_parttime", rf"兼职(?:工作)?人员(?:共)?{_N}(?P<u>人|名)"),
    _r("resources", "training_sessions", rf"{_N}(?P<u>次|期)(?:举办|组织|开展)(?:了)?[^，,。；;：:\d]{{0,12}}?培训(?:班|会)?",
       sentence_needs=r"信息公开"),
    _r("resources", "training_sessions", rf"(?:举办|组织|开展)(?:了)?[^，,。；;：:\d]{{0,12}}?培训(?:班|会)?(?:共)?{_N}(?P<u>期|次|场)",
       sentence_needs=r"信息公开"),
    _r("resources", "meetings_trainings",
       rf"召开(?:了)?(?:[^，,。；;：:\d]{{0,12}})?(?:工作会议|专题会议|专题会|工作会|会议)(?:共)?{_N}(?P<u>次|场)",
       sentence_needs=r"信息公开"),
    _r("resources", "training_people", rf"培训(?:[^，,。；;：:\d]{{0,8}}?)?{_N}(?P<u>人次)", sentence_needs=r"信息公开"),
    _r("channels", "query_points", rf"(?:查阅点|查询点|查阅场所)(?:共)?{_N}(?P<u>个|处)", sentence_needs=r"信息公开"),
    # ---- responses (2014–2018) ----
    _r("responses", "online_interviews", rf"(?:开展|举办|组织|参加)(?:了)?(?:[^，,。；;：:\d]{{0,8}})?在线访谈(?:活动)?(?:共)?{_N}(?P<u>次|期|场)"),
    _r("responses", "responses_public_concern",
       rf"回应(?:[^，,。；;：:\d]{{0,10}})?(?:热点|关切|舆情)(?:问题)?(?:共)?{_N}(?P<u>次|条|件|个)"),
    _r("proactive", "normative_issued", rf"(?:制发|制定|印发)(?:了)?(?:[^，,。；;：:\d]{{0,6}})?规范性文件(?:共)?{_N}(?P<u>件|份)"),
    _r("responses", "press_conferences", rf"(?:召开|举办|举行)(?:[^，,。；;：:\d]{{0,8}})?新闻发布会(?:共)?{_N}(?P<u>场|次)"),
    _r("responses", "responses_interpretations", rf"(?:发布|刊发|刊登)(?:[^，,。；;：:\d]{{0,6}})?政策解读(?:稿件|信息|文章|材料)?(?:共)?{_N}(?P<u>条|篇|次|件)"),
]

_CUMULATIVE = re.compile(r"历年|累计|截至|截止|至今")
_THIS_YEAR = re.compile(r"全年|本年|年内|当年|本年度")


@dataclass
class Statement:
    code: str
    value: object
    raw: str
    sentence: str
    unit: Optional[str]
    period: str
    family: str
    where: str = "text"


def _clause_start(sentence: str, pos: int) -> int:
    i = pos
    while i > 0 and sentence[i - 1] not in _CLAUSE_BREAK:
        i -= 1
    return i


def _clause_end(sentence: str, pos: int) -> int:
    i = pos
    while i < len(sentence) and sentence[i] not in _CLAUSE_BREAK:
        i += 1
    return i


def _allowed(rule: Rule, sentence: str, clause: str, whole_clause: str, section: Optional[str]) -> bool:
    in_section = bool(rule.sections) and section in rule.sections  # the section stands in for missing words
    if rule.clause_needs and not rule.clause_needs.search(clause) and not in_section:
        return False
    if rule.clause_not and rule.clause_not.search(whole_clause):
        return False
    if rule.sentence_not and rule.sentence_not.search(sentence):
        return False
    if rule.sentence_needs and not rule.sentence_needs.search(sentence) and not in_section:
        return False
    if rule.sections and not rule.sentence_needs and not rule.clause_needs and not in_section:
        return False
    return True


def statements_in(sentence: str, section: Optional[str] = None) -> list[Statement]:
    """Every coded statement of one sentence (pure)."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Statement]] = []
    for rule in RULES:
        for m in rule.pattern.finditer(sentence):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue
            start = _clause_start(sentence, a)
            clause = sentence[start:b]
            if not _allowed(rule, sentence, clause, sentence[start:_clause_end(sentence, b)], section):
                continue
            if "n" in rule.pattern.groupindex:
                value = parse_number(m.group("n"))
                if value is None:
                    continue
                unit = m.groupdict().get("u")
            else:
                value, unit = 0, None
            period = "cumulative" if (_CUMULATIVE.search(clause) and not _THIS_YEAR.search(clause)) else "year"
            taken.append((a, b))
            for code in rule.codes:
                found.append((a, Statement(code, value, m.group(0), sentence, unit, period, rule.family)))
    found.sort(key=lambda t: t[0])
    return [s for _, s in found]
