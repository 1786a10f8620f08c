<?xml version="1.0" encoding="UTF-8"?>
<!--
  TEI issue -> HTML fragment (the page chrome is Jinja's job).

  Parameters
    part        'text' (default): the issue's text; 'toc': the table of contents;
                'pages': both, and every article page's text, in one pass:
                <pages> text, toc, then <page article="ID"> text </page> for each article
    article     an article xml:id: render only that article (article pages)
    root        relative path from the page to the site root of its script ("../")
    issue-page  relative path from the page to the issue page (article pages only)

  Safety: every TEI string reaches the output as a text node or an attribute
  value, so the serializer escapes it; nothing is copied as markup and no
  href is written unless it is internal, a register page or http(s)/mailto.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:exsl="http://exslt.org/common"
  exclude-result-prefixes="tei exsl">

  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:param name="part" select="'text'"/>
  <xsl:param name="article" select="''"/>
  <xsl:param name="root" select="''"/>
  <xsl:param name="issue-page" select="''"/>

  <xsl:variable name="tei" select="/"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$part = 'toc'">
        <xsl:call-template name="toc"/>
      </xsl:when>
      <xsl:when test="$part = 'pages'">
        <xsl:variable name="text">
          <xsl:call-template name="issue-text"/>
        </xsl:variable>
        <pages>
          <xsl:copy-of select="$text"/>
          <xsl:call-template name="toc"/>
          <!-- An article page shows the article as the issue page does, but links to
               the rest of the issue lead to the issue page (see internal-href): an
               empty <page> when there are none, the article page's text otherwise. -->
          <xsl:for-each select="exsl:node-set($text)//article[@id]">
            <xsl:variable name="page-article" select="string(@id)"/>
            <xsl:variable name="outside">
              <xsl:for-each select=".//a/@href[starts-with(., '#')]">
                <xsl:call-template name="outside-href">
                  <xsl:with-param name="page-article" select="$page-article"/>
                </xsl:call-template>
              </xsl:for-each>
            </xsl:variable>
            <page article="{$page-article}">
              <xsl:if test="$outside != ''">
                <div class="tei-text">
                  <xsl:apply-templates select="." mode="article-page">
                    <xsl:with-param name="page-article" select="$page-article"/>
                  </xsl:apply-templates>
                </div>
              </xsl:if>
            </page>
          </xsl:for-each>
        </pages>
      </xsl:when>
      <xsl:when test="$article != ''">
        <div class="tei-text">
          <xsl:apply-templates select="key('by-id', $article)"/>
        </div>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="issue-text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="issue-text">
    <div class="tei-text">
      <xsl:apply-templates select="/tei:TEI/tei:text"/>
    </div>
  </xsl:template>

  <xsl:template name="toc">
    <ol class="toc">
      <!-- articles before the first page break (or in an issue without any) come first -->
      <xsl:apply-templates mode="toc"
        select="//tei:body//tei:div[@type = 'article'][not(preceding::tei:pb)]"/>
      <xsl:apply-templates select="//tei:body//tei:pb" mode="toc"/>
    </ol>
  </xsl:template>

  <!-- ===== an article page, copied from the issue's text ===== -->

  <xsl:template match="@* | node()" mode="article-page">
    <xsl:param name="page-article"/>
    <xsl:copy>
      <xsl:apply-templates select="@* | node()" mode="article-page">
        <xsl:with-param name="page-article" select="$page-article"/>
      </xsl:apply-templates>
    </xsl:copy>
  </xsl:template>

  <!-- what internal-href writes when $article is the page's article -->
  <xsl:template match="a/@href[starts-with(., '#')]" mode="article-page">
    <xsl:param name="page-article"/>
    <xsl:variable name="outside">
      <xsl:call-template name="outside-href">
        <xsl:with-param name="page-article" select="$page-article"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:attribute name="href">
      <xsl:choose>
        <xsl:when test="$outside != ''">
          <xsl:value-of select="concat($issue-page, .)"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="."/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:attribute>
  </xsl:template>

  <!-- 'x' if this href="#id" points into the issue outside the page's article -->
  <xsl:template name="outside-href">
    <xsl:param name="page-article"/>
    <xsl:variable name="id" select="substring(., 2)"/>
    <xsl:for-each select="$tei">
      <xsl:if test="key('by-id', $id) and not(key('by-id', $id)/ancestor-or-self::*[@xml:id = $page-article])">x</xsl:if>
    </xsl:for-each>
  </xsl:template>

  <!-- ===== table of contents: pages, and the articles that begin on each ===== -->

  <!-- the articles that begin after each page break (by its generate-id): looked up, not
       searched for from every page break (which took time in the square of the issue's size) -->
  <xsl:key name="articles-by-pb" match="tei:div[@type = 'article']"
    use="generate-id(preceding::tei:pb[1])"/>

  <xsl:template match="tei:pb" mode="toc">
    <xsl:variable name="pb" select="generate-id()"/>
    <li class="toc-page">
      <a href="#{@xml:id}"><xsl:call-template name="page-label"/></a>
      <xsl:variable name="here" select="key('articles-by-pb', $pb)"/>
      <xsl:if test="$here">
        <ol>
          <xsl:apply-templates select="$here" mode="toc"/>
        </ol>
      </xsl:if>
    </li>
  </xsl:template>

  <xsl:template match="tei:div" mode="toc">
    <li>
      <a href="#{@xml:id}"><xsl:call-template name="article-label"/></a>
      <xsl:choose>
        <xsl:when test="(@part = 'M' or @part = 'F') and tei:gap and not(.//tei:p)">
          <span class="toc-note editorial">（续，未录入）</span>
        </xsl:when>
        <xsl:when test="@part = 'M' or @part = 'F'">
          <span class="toc-note editorial">（续）</span>
        </xsl:when>
        <xsl:when test="tei:gap and not(.//tei:p)">
          <span class="toc-note editorial">（未录入）</span>
        </xsl:when>
      </xsl:choose>
    </li>
  </xsl:template>

  <!-- ===== structure ===== -->

  <xsl:template match="tei:teiHeader"/>

  <xsl:template match="tei:text | tei:body | tei:front | tei:back">
    <xsl:apply-templates/>
  </xsl:template>

  <xsl:template match="tei:pb">
    <span class="pb" role="note">
      <xsl:if test="@xml:id"><xsl:attribute name="id"><xsl:value-of select="@xml:id"/></xsl:attribute></xsl:if>
      <xsl:call-template name="page-label"/>
    </span>
  </xsl:template>

  <xsl:template match="tei:cb">
    <span class="cb" title="分栏" aria-hidden="true"></span>
  </xsl:template>

  <!-- reading view hides it, diplomatic view shows it: see edition.css -->
  <xsl:template match="tei:lb">
    <br class="lb"/>
  </xsl:template>

  <xsl:template match="tei:div[@type = 'article']">
    <article class="article" id="{@xml:id}">
      <xsl:if test="@part">
        <xsl:attribute name="data-part"><xsl:value-of select="@part"/></xsl:attribute>
      </xsl:if>
      <xsl:if test="@prev">
        <p class="editorial continued-from">
          <xsl:call-template name="link-to-article">
            <xsl:with-param name="pointer" select="@prev"/>
            <xsl:with-param name="label" select="'上接'"/>
          </xsl:call-template>
        </p>
      </xsl:if>
      <!-- the heads printed above the article; later heads stay where they are -->
      <xsl:variable name="leading" select="tei:head[not(preceding-sibling::*[not(self::tei:head)])]"/>
      <xsl:if test="$leading">
        <header class="article-head">
          <xsl:apply-templates select="$leading"/>
        </header>
      </xsl:if>
      <xsl:apply-templates select="node()[count(. | $leading) != count($leading)]"/>
      <xsl:if test="@next and not(.//tei:ref[@type = 'continuation'])">
        <p class="editorial continued-in">
          <xsl:call-template name="link-to-article">
            <xsl:with-param name="pointer" select="@next"/>
            <xsl:with-param name="label" select="'下转'"/>
          </xsl:call-template>
        </p>
      </xsl:if>
      <!-- filled by the page builder with per-article tools (links, citation) -->
      <footer class="article-footer" data-article="{@xml:id}"></footer>
    </article>
  </xsl:template>

  <!-- "上接 第1版《标题》" / "下转 第4版" as a link to the other part -->
  <xsl:template name="link-to-article">
    <xsl:param name="pointer"/>
    <xsl:param name="label"/>
    <xsl:variable name="target" select="key('by-id', substring($pointer, 2))"/>
    <xsl:choose>
      <xsl:when test="starts-with($pointer, '#') and $target">
        <a>
          <xsl:attribute name="href">
            <xsl:call-template name="internal-href">
              <xsl:with-param name="id" select="substring($pointer, 2)"/>
            </xsl:call-template>
          </xsl:attribute>
          <xsl:value-of select="$label"/>
          <xsl:for-each select="$target">
            <xsl:text> </xsl:text>
            <xsl:call-template name="page-label">
              <xsl:with-param name="n" select="preceding::tei:pb[1]/@n"/>
            </xsl:call-template>
            <xsl:if test="tei:head">
              <xsl:text>《</xsl:text>
              <xsl:call-template name="article-title"/>
              <xsl:text>》</xsl:text>
            </xsl:if>
          </xsl:for-each>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="concat($label, ' ', $pointer)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!--
    "#id" inside the issue. On the issue page that is the fragment alone; on an
    article page, targets outside the article point into the issue page.
  -->
  <xsl:template name="internal-href">
    <xsl:param name="id"/>
    <xsl:choose>
      <xsl:when test="$article != '' and not(key('by-id', $id)/ancestor-or-self::*[@xml:id = $article])">
        <xsl:value-of select="concat($issue-page, '#', $id)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="concat('#', $id)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:div[@type = 'masthead']">
    <section class="masthead" aria-label="报头">
      <xsl:if test="@xml:id"><xsl:attribute name="id"><xsl:value-of select="@xml:id"/></xsl:attribute></xsl:if>
      <xsl:apply-templates/>
    </section>
  </xsl:template>

  <xsl:template match="tei:div">
    <section class="div div-{@type}">
      <xsl:if test="@xml:id"><xsl:attribute name="id"><xsl:value-of select="@xml:id"/></xsl:attribute></xsl:if>
      <xsl:apply-templates/>
    </section>
  </xsl:template>

  <xsl:template match="tei:head">
    <xsl:variable name="element">
      <xsl:choose>
        <xsl:when test="not(@type = 'main' or (not(@type) and not(preceding-sibling::tei:head)))">p</xsl:when>
        <xsl:when test="parent::tei:div[@type = 'article'] and not(preceding-sibling::*[not(self::tei:head)])">h2</xsl:when>
        <xsl:otherwise>h3</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:element name="{$element}">
      <xsl:attribute name="class">
        <xsl:text>head</xsl:text>
        <xsl:if test="@type"><xsl:value-of select="concat(' head-', @type)"/></xsl:if>
        <xsl:if test="@cert"><xsl:value-of select="concat(' cert-', @cert)"/></xsl:if>
      </xsl:attribute>
      <xsl:call-template name="cert-title">
        <xsl:with-param name="what">标题层级为自动判断</xsl:with-param>
      </xsl:call-template>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:argument">
    <aside class="argument" aria-label="摘要">
      <!-- printed elsewhere on the page (among another report's headings): placed by its wording -->
      <xsl:call-template name="cert-title">
        <xsl:with-param name="what">摘要归属为自动判断</xsl:with-param>
      </xsl:call-template>
      <xsl:apply-templates/>
    </aside>
  </xsl:template>

  <xsl:template match="tei:byline">
    <p class="byline"><xsl:apply-templates/></p>
  </xsl:template>

  <xsl:template match="tei:figure">
    <figure class="figure">
      <xsl:if test="@xml:id"><xsl:attribute name="id"><xsl:value-of select="@xml:id"/></xsl:attribute></xsl:if>
      <figcaption><xsl:apply-templates/></figcaption>
    </figure>
  </xsl:template>

  <!-- A paragraph: its xml:id is its anchor, its label is visible, its link copyable. -->
  <xsl:template match="tei:p">
    <xsl:variable name="label"><xsl:call-template name="para-label"/></xsl:variable>
    <p class="para">
      <xsl:choose>
        <xsl:when test="@xml:id">
          <xsl:attribute name="id"><xsl:value-of select="@xml:id"/></xsl:attribute>
          <span class="pnum" aria-hidden="true"><xsl:value-of select="$label"/></span>
          <a class="plink" href="#{@xml:id}" title="复制本段链接" aria-label="{concat('复制本段链接（', $label, '）')}">¶</a>
        </xsl:when>
        <xsl:otherwise>
          <span class="pnum" aria-hidden="true"><xsl:value-of select="$label"/></span>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <xsl:template name="guess-title">
    <xsl:call-template name="cert-title">
      <xsl:with-param name="what">自动识别的名称，未经核对</xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- An automatic decision's title: what was decided, and how sure (@cert) in words,
       the same for names, headings and summaries. -->
  <xsl:template name="cert-title">
    <xsl:param name="what"/>
    <xsl:if test="@cert">
      <xsl:variable name="degree">
        <xsl:choose>
          <xsl:when test="@cert = 'high'">高</xsl:when>
          <xsl:when test="@cert = 'medium'">中</xsl:when>
          <xsl:when test="@cert = 'low'">低</xsl:when>
          <xsl:otherwise>不明</xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:attribute name="title">
        <xsl:value-of select="concat($what, '（把握：', $degree, '）')"/>
      </xsl:attribute>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:fw">
    <p class="fw fw-{@type}"><xsl:apply-templates/></p>
  </xsl:template>

  <!-- ===== phrase level ===== -->

  <xsl:template match="tei:persName | tei:placeName | tei:orgName">
    <xsl:variable name="path"><xsl:call-template name="register-path"/></xsl:variable>
    <xsl:variable name="linked-ancestor"
      select="ancestor::tei:persName[@ref] | ancestor::tei:placeName[@ref] | ancestor::tei:orgName[@ref]"/>
    <!-- a name only the statistical model found (@cert, @resp="#tagger"): shown as a guess,
         and how sure the model is of it (cert-high, cert-medium, cert-low) -->
    <xsl:variable name="guess"><xsl:if test="@cert"> guess cert-<xsl:value-of select="@cert"/></xsl:if></xsl:variable>
    <xsl:choose>
      <!-- links do not nest: an inner name gets a small link after its outer one -->
      <xsl:when test="$path != '' and not($linked-ancestor)">
        <a class="name {local-name()}{$guess}" href="{concat($root, $path)}">
          <xsl:call-template name="guess-title"/>
          <xsl:apply-templates/>
        </a>
        <xsl:for-each select=".//tei:persName | .//tei:placeName | .//tei:orgName">
          <xsl:variable name="inner"><xsl:call-template name="register-path"/></xsl:variable>
          <xsl:if test="$inner != ''">
            <a class="subname editorial" href="{concat($root, $inner)}">
              <xsl:attribute name="title"><xsl:apply-templates mode="plain"/></xsl:attribute>
              <xsl:choose>
                <xsl:when test="self::tei:persName">人</xsl:when>
                <xsl:when test="self::tei:placeName">地</xsl:when>
                <xsl:otherwise>机构</xsl:otherwise>
              </xsl:choose>
            </a>
          </xsl:if>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <span class="name {local-name()}{$guess}">
          <xsl:call-template name="guess-title"/>
          <xsl:apply-templates/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:roleName">
    <span class="roleName"><xsl:apply-templates/></span>
  </xsl:template>

  <xsl:template match="tei:date">
    <xsl:variable name="iso">
      <xsl:choose>
        <xsl:when test="@when"><xsl:value-of select="@when"/></xsl:when>
        <xsl:when test="@notAfter and @notBefore"><xsl:value-of select="concat(@notBefore, '/', @notAfter)"/></xsl:when>
        <xsl:when test="@notAfter"><xsl:value-of select="concat('不晚于 ', @notAfter)"/></xsl:when>
        <xsl:when test="@notBefore"><xsl:value-of select="concat('不早于 ', @notBefore)"/></xsl:when>
        <xsl:when test="@from or @to"><xsl:value-of select="concat(@from, '/', @to)"/></xsl:when>
      </xsl:choose>
    </xsl:variable>
    <time class="date">
      <xsl:if test="@when"><xsl:attribute name="datetime"><xsl:value-of select="@when"/></xsl:attribute></xsl:if>
      <xsl:if test="$iso != ''"><xsl:attribute name="title"><xsl:value-of select="$iso"/></xsl:attribute></xsl:if>
      <xsl:apply-templates/>
    </time>
  </xsl:template>

  <xsl:template match="tei:ref">
    <xsl:variable name="safe">
      <xsl:call-template name="is-safe-url"><xsl:with-param name="url" select="@target"/></xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="starts-with(@target, '#') and key('by-id', substring(@target, 2))">
        <a class="ref ref-{@type}">
          <xsl:attribute name="href">
            <xsl:call-template name="internal-href">
              <xsl:with-param name="id" select="substring(@target, 2)"/>
            </xsl:call-template>
          </xsl:attribute>
          <xsl:apply-templates/>
        </a>
      </xsl:when>
      <xsl:when test="$safe = 'yes'">
        <a class="ref external" href="{@target}" rel="external noopener"><xsl:apply-templates/></a>
      </xsl:when>
      <xsl:otherwise>
        <span class="ref"><xsl:apply-templates/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- the label, then whatever the editor wrote inside the gap (its desc) -->
  <xsl:template match="tei:gap">
    <span class="gap editorial" role="note"><xsl:call-template name="gap-label"/><xsl:apply-templates/></span>
  </xsl:template>

  <xsl:template match="tei:note">
    <span class="note editorial" role="note">
      <xsl:text>〔注：</xsl:text><xsl:apply-templates/><xsl:text>〕</xsl:text>
    </span>
  </xsl:template>

  <xsl:template match="tei:unclear">
    <span class="unclear editorial" title="辨认不确"><xsl:apply-templates/></span>
  </xsl:template>

  <xsl:template match="tei:choice">
    <span class="choice editorial">
      <xsl:attribute name="title">
        <xsl:text>原文：</xsl:text>
        <xsl:apply-templates select="tei:sic | tei:orig" mode="plain"/>
      </xsl:attribute>
      <xsl:apply-templates select="tei:corr | tei:reg | tei:expan"/>
    </span>
  </xsl:template>

  <!-- a blank in the extracted source: nothing when reading, a mark in the diplomatic view -->
  <xsl:template match="tei:space">
    <span class="space editorial" title="原文此处有空白"></span>
  </xsl:template>

  <xsl:template match="tei:hi">
    <span class="hi"><xsl:apply-templates/></span>
  </xsl:template>

  <!-- anything else: keep its text, name it in a class, never copy it -->
  <xsl:template match="tei:*">
    <span class="tei-{local-name()}"><xsl:apply-templates/></span>
  </xsl:template>

  <xsl:template match="text()">
    <xsl:value-of select="translate(., '&#10;&#13;&#9;', '   ')"/>
  </xsl:template>

  <xsl:template match="comment() | processing-instruction()"/>

</xsl:stylesheet>
